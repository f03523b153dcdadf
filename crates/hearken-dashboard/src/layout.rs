//! The page shell: head, navigation, styles. Everything inline so a page is one request and
//! works without a network.

use crate::filters::{Filters, Window};
use crate::html::escape;

const NAV: [(&str, &str); 6] = [
    ("/", "Overview"),
    ("/map", "Conversation map"),
    ("/inbox", "Inboxes"),
    ("/voices", "Top voices"),
    ("/spikes", "Spikes"),
    ("/places", "Places"),
];

const CSS: &str = r#"
:root{--fg:#1d2329;--muted:#5f6b76;--line:#dde2e7;--bg:#f6f7f9;--card:#fff;--accent:#2f6fb0}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.6rem 1rem;background:#1d2b3a;color:#fff}
header a{color:#cfe0f3;text-decoration:none}
header a.brand{font-weight:700;color:#fff;font-size:1.1rem}
header nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem}
header nav a.active{color:#fff;border-bottom:2px solid #fff}
main{max-width:1200px;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.3rem 0 .8rem}
h2{font-size:1.05rem;margin:0 0 .5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.9rem;margin-bottom:1rem;min-width:0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,480px),1fr));gap:1rem}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.75rem;margin-bottom:1rem}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.7rem .9rem}
.kpi .value{font-size:1.6rem;font-weight:650}
.kpi .label{color:var(--muted);font-size:.85rem}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem .9rem;align-items:end;margin-bottom:1rem}
form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted)}
input,select,button{font:inherit;padding:.3rem .45rem;border:1px solid #b9c2cb;border-radius:5px;background:#fff}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
svg.chart{width:100%;height:auto;display:block}
svg text{font-size:11px;fill:#4a5560}
svg .grid{stroke:#e7ebef}
svg .graticule{stroke:#c9d6e2;stroke-width:.6}
svg .equator{stroke:#9fb3c6}
svg .ocean{fill:#eef4fa}
svg .place{stroke:#fff;stroke-width:.8;fill-opacity:.85}
svg .cell text{fill:#fff;font-weight:600;font-size:11px}
svg .empty{fill:var(--muted);font-size:14px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.chip{display:inline-block;background:#eef2f6;border-radius:10px;padding:0 .45rem;margin:.1rem .15rem 0 0;font-size:.78rem;color:#3b4753}
.status-open{color:#b05a00}.status-assigned{color:#2f6fb0}.status-done{color:#2e7d4f}
.muted{color:var(--muted)}
.error{color:#a61b1b;font-weight:600}
.actions form{display:flex;gap:.3rem;margin:.15rem 0}
.actions input{width:8.5rem}
ol.history{margin:.3rem 0 0;padding-left:1.1rem;font-size:.8rem;color:var(--muted)}
.mention-text{white-space:pre-wrap;overflow-wrap:anywhere}
@media (max-width:700px){
 main{padding:.6rem}
 table.stack thead{display:none}
 table.stack tr{display:block;border-bottom:1px solid var(--line);padding:.4rem 0}
 table.stack td{display:block;border:0;padding:.15rem .2rem}
 table.stack td.num{text-align:left}
 table.stack td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-size:.8rem}
}
"#;

/// A whole page: `active` is the navigation entry to highlight (its path).
pub(crate) fn page(title: &str, active: &str, filters: &Filters, body: &str) -> String {
    let carried = filters.carried();
    let nav: String = NAV
        .iter()
        .map(|(path, label)| {
            let class = match *path == active {
                true => r#" class="active""#,
                false => "",
            };
            format!(r#"<a href="{path}{}"{class}>{label}</a>"#, escape(&carried))
        })
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{} · Hearken</title><style>{CSS}</style></head>
<body><header><a class="brand" href="/{}">Hearken</a><nav>{nav}</nav></header>
<main><h1>{}</h1>
{body}
</main></body></html>
"#,
        escape(title),
        escape(&carried),
        escape(title),
    )
}

/// The window and department form; `departments` fill the choice, `extra` adds fields.
pub(crate) fn filter_form(
    filters: &Filters,
    window: Option<&Window>,
    departments: &[String],
    extra: &str,
) -> String {
    let from = window.map(Window::first_day).unwrap_or_default();
    let to = window.map(Window::last_day).unwrap_or_default();
    let mut options = String::from(r#"<option value="">all departments</option>"#);
    for department in departments {
        let selected = match *department == filters.department {
            true => " selected",
            false => "",
        };
        options.push_str(&format!(
            r#"<option value="{0}"{selected}>{0}</option>"#,
            escape(department)
        ));
    }
    format!(
        r#"<form class="filters" method="get"><label>from<input type="date" name="from" value="{}"></label><label>to<input type="date" name="to" value="{}"></label><label>department<select name="department">{options}</select></label>{extra}<button type="submit">Show</button></form>"#,
        escape(&from),
        escape(&to),
    )
}
