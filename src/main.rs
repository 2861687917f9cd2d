use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = civicdesk::cli::Cli::parse();
    match civicdesk::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
