//! Server-rendered SVG charts, readable without colour: every mark has its
//! value written beside it, series differ by line style and marker shape
//! (named in a legend), and each chart carries a `<title>` and `<desc>`. The
//! page puts the same data in a table next to it.

use std::fmt::Write as _;

/// Escapes text for SVG (XML) content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn open(id: &str, title: &str, desc: &str, width: u32, height: u32) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" \
         viewBox=\"0 0 {width} {height}\" width=\"100%\" \
         aria-labelledby=\"{id}-title {id}-desc\" font-family=\"sans-serif\" font-size=\"12\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        esc(title),
        esc(desc)
    )
}

/// One bar per item: `(label, value, value as shown)`.
pub fn bar_chart(id: &str, title: &str, desc: &str, items: &[(String, f64, String)]) -> String {
    let row = 24u32;
    let label_w = 180u32;
    let bar_w = 360u32;
    let height = row * items.len().max(1) as u32 + 8;
    let width = label_w + bar_w + 90;
    let max = items.iter().map(|i| i.1).fold(0.0_f64, f64::max);
    let mut s = open(id, title, desc, width, height);
    for (n, (label, value, shown)) in items.iter().enumerate() {
        let y = 4 + row * n as u32;
        let w = if max > 0.0 {
            (value / max * f64::from(bar_w)).round().max(1.0)
        } else {
            1.0
        };
        let _ = write!(
            s,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"currentColor\">{label}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"currentColor\" \
             fill-opacity=\"0.35\" stroke=\"currentColor\"/>\
             <text x=\"{vx}\" y=\"{ty}\" fill=\"currentColor\">{shown}</text>",
            lx = label_w - 6,
            ty = y + 15,
            h = row - 6,
            vx = f64::from(label_w) + w + 6.0,
            label = esc(label),
            shown = esc(shown),
        );
    }
    if items.is_empty() {
        s.push_str("<text x=\"10\" y=\"20\" fill=\"currentColor\">–</text>");
    }
    s.push_str("</svg>");
    s
}

/// A series of a line chart: its name and one value per x label.
pub struct Series {
    pub name: String,
    pub values: Vec<i64>,
}

/// Lines over `labels` (at most two series: a solid line with circles, a
/// dashed one with squares), each point's value written above it when there
/// are few enough points to read them.
pub fn line_chart(
    id: &str,
    title: &str,
    desc: &str,
    labels: &[String],
    series: &[Series],
) -> String {
    let (width, height) = (640u32, 260u32);
    let (left, right, top, bottom) = (40.0, 10.0, 30.0, 40.0);
    let plot_w = f64::from(width) - left - right;
    let plot_h = f64::from(height) - top - bottom;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = labels.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: i64| top + plot_h - plot_h * v as f64 / max;
    let mut s = open(id, title, desc, width, height);
    // Axes, and the maximum on the y axis.
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{b}\" stroke=\"currentColor\"/>\
         <line x1=\"{left}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"currentColor\"/>\
         <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"currentColor\">{max}</text>\
         <text x=\"{lx}\" y=\"{b}\" text-anchor=\"end\" fill=\"currentColor\">0</text>",
        b = top + plot_h,
        r = left + plot_w,
        lx = left - 4.0,
        ty = top + 4.0,
        max = max as i64,
    );
    // x labels: at most about twelve, evenly spread.
    let step = n.div_ceil(12).max(1);
    for (i, label) in labels.iter().enumerate() {
        if i % step == 0 || i + 1 == n {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"currentColor\">{}</text>",
                x(i),
                top + plot_h + 16.0,
                esc(label)
            );
        }
    }
    let show_values = n <= 16;
    for (k, ser) in series.iter().enumerate().take(2) {
        let dash = if k == 0 {
            ""
        } else {
            " stroke-dasharray=\"6 4\""
        };
        let points: Vec<String> = ser
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"currentColor\" stroke-width=\"2\"{dash} points=\"{}\"/>",
            points.join(" ")
        );
        for (i, v) in ser.values.iter().enumerate() {
            let (px, py) = (x(i), y(*v));
            if k == 0 {
                let _ = write!(
                    s,
                    "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3.5\" fill=\"currentColor\"/>"
                );
            } else {
                let _ = write!(
                    s,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"7\" height=\"7\" fill=\"white\" stroke=\"currentColor\"/>",
                    px - 3.5,
                    py - 3.5
                );
            }
            if show_values {
                let dy = if k == 0 { -7.0 } else { 16.0 };
                let _ = write!(
                    s,
                    "<text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\" fill=\"currentColor\">{v}</text>",
                    py + dy
                );
            }
        }
        // Legend.
        let lx = left + 10.0 + 200.0 * k as f64;
        let _ = write!(
            s,
            "<line x1=\"{lx}\" y1=\"12\" x2=\"{:.1}\" y2=\"12\" stroke=\"currentColor\" stroke-width=\"2\"{dash}/>",
            lx + 30.0
        );
        if k == 0 {
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"12\" r=\"3.5\" fill=\"currentColor\"/>",
                lx + 15.0
            );
        } else {
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"8.5\" width=\"7\" height=\"7\" fill=\"white\" stroke=\"currentColor\"/>",
                lx + 11.5
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"16\" fill=\"currentColor\">{}</text>",
            lx + 36.0,
            esc(&ser.name)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_have_a_title_a_description_and_escape_labels() {
        let svg = bar_chart(
            "c",
            "Mix <1>",
            "desc",
            &[
                ("<b>web</b>".into(), 3.0, "3".into()),
                ("phone".into(), 1.0, "1".into()),
            ],
        );
        assert!(svg.contains("<title id=\"c-title\">Mix &lt;1&gt;</title>"));
        assert!(svg.contains("<desc id=\"c-desc\">desc</desc>"));
        assert!(svg.contains("&lt;b&gt;web&lt;/b&gt;"));
        assert!(!svg.contains("<b>"));
        let line = line_chart(
            "t",
            "Trend",
            "d",
            &["1 Mar".into(), "2 Mar".into()],
            &[
                Series {
                    name: "Received".into(),
                    values: vec![1, 4],
                },
                Series {
                    name: "Resolved".into(),
                    values: vec![0, 2],
                },
            ],
        );
        assert!(
            line.contains("stroke-dasharray"),
            "the second series is dashed"
        );
        assert!(line.contains(">Resolved</text>"));
        assert!(line.ends_with("</svg>"));
    }
}
