# English: the complete catalogue. Every user-facing string lives here.

skip-to-content = Skip to main content
language-switch-label = Language
footer-open-hours = You can contact us online at any time, day or night.
footer-powered-by = Powered by CivicDesk, open-source software for councils.

home-title = How can we help?
home-intro = Report a problem, ask a question, request information, make a complaint, or tell us what we did well. Choose a service below.
home-no-services = No services are available online yet. Please contact us by phone.
home-groups-heading = Service groups
home-handled-by = Handled by { $department }

error-404-title = Page not found
error-404-body = We could not find that page. If you typed the address, check it is correct.
error-500-title = Sorry, something went wrong
error-500-body = We could not complete your request. Nothing you sent has been lost; please try again in a few minutes.
error-503-title = The service is temporarily unavailable
error-503-body = We are having a short break in service. Please try again in a few minutes.
error-reference = If you contact us about this, quote this reference:
error-go-home = Go to the home page
