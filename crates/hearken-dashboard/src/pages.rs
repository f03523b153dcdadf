//! The pages and the inbox action endpoint: each asks the report service, then renders.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use hearken_proto::prost_types::Timestamp;
use hearken_proto::v1 as pb;
use serde_json::json;

use crate::filters::{Filters, Window, bucket_name, status_name};
use crate::html::{escape, thousands, url_encode};
use crate::layout::{filter_form, page};
use crate::session::{CSRF_HEADER, Session};
use crate::svg::{self, Bar, Cell, Place, Series};
use crate::{Dashboard, DashboardError, places};

type Page = Result<Html<String>, DashboardError>;

/// Topics shown as columns of the conversation map, largest first.
const MAP_TOPICS: i32 = 20;
const INBOX_PAGE: i32 = 50;
const VOICES: i32 = 25;

/// What every page needs besides its own report: the departments (for the filter) and the
/// window, which defaults to the data's whole range.
#[derive(Debug)]
struct Context {
    filters: Filters,
    departments: Vec<String>,
    window: Option<Window>,
}

impl Dashboard {
    async fn context(&self, query: Option<&str>) -> Result<Context, DashboardError> {
        let filters = Filters::parse(query)?;
        let everything = |group_by: pb::Dimension| pb::VolumeRequest {
            filter: None,
            bucket_width: pb::BucketWidth::Day.into(),
            group_by: group_by.into(),
        };
        let mut report = self.report.clone();
        let mut by_department = self.report.clone();
        let (total, by_department) = tokio::try_join!(
            report.volume(everything(pb::Dimension::Unspecified)),
            by_department.volume(everything(pb::Dimension::Department)),
        )?;
        let seconds = total
            .into_inner()
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter_map(|p| p.bucket_start_time.map(|t| t.seconds))
            .collect::<Vec<_>>();
        let range = seconds
            .iter()
            .min()
            .copied()
            .zip(seconds.iter().max().copied());
        let departments = by_total(
            by_department
                .into_inner()
                .series
                .iter()
                .map(|s| (s.key.clone(), s.points.iter().map(|p| p.count).sum())),
        );
        Ok(Context {
            window: Window::resolve(&filters, range),
            departments: departments.into_iter().map(|(name, _)| name).collect(),
            filters,
        })
    }

    async fn volume(
        &self,
        window: &Window,
        department: &str,
        group_by: pb::Dimension,
        bucket_width: pb::BucketWidth,
    ) -> Result<Vec<pb::VolumeSeries>, tonic::Status> {
        let request = pb::VolumeRequest {
            filter: Some(report_filter(window, department)),
            bucket_width: bucket_width.into(),
            group_by: group_by.into(),
        };
        Ok(self
            .report
            .clone()
            .volume(request)
            .await?
            .into_inner()
            .series)
    }
}

fn report_filter(window: &Window, department: &str) -> pb::ReportFilter {
    let dimensions = match department.is_empty() {
        true => Vec::new(),
        false => vec![pb::DimensionFilter {
            dimension: pb::Dimension::Department.into(),
            values: vec![department.to_owned()],
        }],
    };
    pb::ReportFilter {
        time_range: Some(window.time_range()),
        dimensions,
    }
}

/// Names with their totals, largest first, then by name.
fn by_total(totals: impl Iterator<Item = (String, i64)>) -> Vec<(String, i64)> {
    let mut summed: BTreeMap<String, i64> = BTreeMap::new();
    for (name, count) in totals {
        *summed.entry(name).or_default() += count;
    }
    let mut ranked: Vec<_> = summed.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
}

fn empty_store(title: &str, active: &str, filters: &Filters) -> Html<String> {
    Html(page(
        title,
        active,
        filters,
        r#"<p class="card muted">No enriched mentions yet. Import some (<code>hearken import FILE</code>) and they appear here as the enrich worker completes them.</p>"#,
    ))
}

fn count_series(series: &pb::VolumeSeries) -> Series {
    Series {
        name: series.key.clone(),
        points: series
            .points
            .iter()
            .filter_map(|p| Some((p.bucket_start_time?.seconds, p.count as f64)))
            .collect(),
    }
}

/// Count and count-weighted mean sentiment of a series.
fn totals(series: &pb::VolumeSeries) -> (i64, f64) {
    let count: i64 = series.points.iter().map(|p| p.count).sum();
    let weighted: f64 = series
        .points
        .iter()
        .map(|p| p.count as f64 * p.mean_sentiment)
        .sum();
    (count, weighted / count.max(1) as f64)
}

fn kpi(id: &str, label: &str, value: &str) -> String {
    format!(
        r#"<div class="kpi" id="kpi-{id}"><div class="value">{}</div><div class="label">{}</div></div>"#,
        escape(value),
        escape(label)
    )
}

fn card(title: &str, body: &str) -> String {
    format!(
        r#"<section class="card"><h2>{}</h2>{body}</section>"#,
        escape(title)
    )
}

fn when(time: Option<Timestamp>) -> String {
    time.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// `GET /`: volume over time, sentiment, share of voice, reach, departments.
pub(crate) async fn overview(
    Session { dashboard, .. }: Session,
    RawQuery(query): RawQuery,
) -> Page {
    let context = dashboard.context(query.as_deref()).await?;
    let Some(window) = context.window else {
        return Ok(empty_store("Overview", "/", &context.filters));
    };
    let department = context.filters.department.as_str();
    let filter = report_filter(&window, department);
    let mut share = dashboard.report.clone();
    let mut reach = dashboard.report.clone();
    let (total, by_sentiment, by_department, share, reach) = tokio::try_join!(
        dashboard.volume(
            &window,
            department,
            pb::Dimension::Unspecified,
            window.bucket
        ),
        dashboard.volume(&window, department, pb::Dimension::Sentiment, window.bucket),
        dashboard.volume(
            &window,
            department,
            pb::Dimension::Department,
            pb::BucketWidth::Week
        ),
        share.share_of_voice(pb::ShareOfVoiceRequest {
            filter: Some(filter.clone()),
        }),
        reach.reach(pb::ReachRequest {
            filter: Some(filter),
        }),
    )?;
    let (share, reach) = (share.into_inner(), reach.into_inner());
    let total = total.into_iter().next().unwrap_or_default();
    let (mentions, mean_sentiment) = totals(&total);

    let mut body = filter_form(&context.filters, Some(&window), &context.departments, "");
    body.push_str(r#"<div class="kpis">"#);
    body.push_str(&kpi("mentions", "mentions", &thousands(mentions)));
    body.push_str(&kpi(
        "authors",
        "unique authors",
        &thousands(reach.unique_author_count),
    ));
    body.push_str(&kpi(
        "impressions",
        "potential impressions",
        &thousands(reach.potential_impressions),
    ));
    body.push_str(&kpi(
        "sentiment",
        "mean sentiment",
        &format!("{mean_sentiment:+.2}"),
    ));
    body.push_str("</div>");

    let per = bucket_name(window.bucket);
    let trend = Series {
        name: String::new(),
        points: total
            .points
            .iter()
            .filter_map(|p| Some((p.bucket_start_time?.seconds, p.mean_sentiment)))
            .collect(),
    };
    body.push_str(r#"<div class="grid">"#);
    body.push_str(&card(
        &format!("Volume per {per}"),
        &svg::line_chart(&[count_series(&total)], &format!("mentions per {per}")),
    ));
    body.push_str(&card(
        "Sentiment trend",
        &svg::line_chart(&[trend], "mean sentiment (−1 to +1)"),
    ));
    let sentiments: Vec<Series> = by_sentiment.iter().map(count_series).collect();
    body.push_str(&card(
        "Mentions by sentiment",
        &svg::line_chart(&sentiments, &format!("mentions per {per}")),
    ));
    let brands: Vec<Bar> = share
        .brands
        .iter()
        .map(|b| Bar {
            label: format!("{} ({:.0}%)", b.topic, b.share * 100.0),
            values: vec![
                b.positive_count as f64,
                b.neutral_count as f64,
                b.negative_count as f64,
            ],
        })
        .collect();
    body.push_str(&card(
        "Share of voice",
        &svg::stacked_bars(&brands, &sentiment_segments(), None),
    ));
    let departments = by_total(by_department.iter().map(|s| (s.key.clone(), totals(s).0)));
    let bars: Vec<Bar> = departments
        .iter()
        .map(|(name, count)| Bar {
            label: name.clone(),
            values: vec![*count as f64],
        })
        .collect();
    let links: String = departments
        .iter()
        .map(|(name, _)| {
            format!(
                r#"<a class="chip" href="/inbox/{}{}">{} inbox</a>"#,
                url_encode(name),
                escape(&context.filters.carried()),
                escape(name)
            )
        })
        .collect();
    body.push_str(&card(
        "Departments",
        &format!(
            "{}<p>{links}</p>",
            svg::stacked_bars(&bars, &[("mentions", svg::series_colour(0))], None)
        ),
    ));
    body.push_str("</div>");
    let _ = write!(
        body,
        r#"<p class="muted">{} · per {per}{}</p>"#,
        escape(&window.describe()),
        match department.is_empty() {
            true => String::new(),
            false => format!(" · department {}", escape(department)),
        }
    );
    Ok(Html(page("Overview", "/", &context.filters, &body)))
}

fn sentiment_segments() -> [(&'static str, &'static str); 3] {
    [
        ("positive", svg::POSITIVE),
        ("neutral", svg::NEUTRAL),
        ("negative", svg::NEGATIVE),
    ]
}

/// `GET /map`: departments × topics, coloured by sentiment.
pub(crate) async fn conversation_map(
    Session { dashboard, .. }: Session,
    RawQuery(query): RawQuery,
) -> Page {
    let context = dashboard.context(query.as_deref()).await?;
    let Some(window) = context.window else {
        return Ok(empty_store("Conversation map", "/map", &context.filters));
    };
    let department = &context.filters.department;
    let cells = dashboard
        .report
        .clone()
        .conversation_map(pb::ConversationMapRequest {
            time_range: Some(window.time_range()),
            department: department.clone(),
            topic_limit: MAP_TOPICS,
        })
        .await?
        .into_inner()
        .cells;
    let rows: Vec<String> = by_total(cells.iter().map(|c| (c.department.clone(), c.count)))
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let columns: Vec<String> = by_total(cells.iter().map(|c| (c.topic.clone(), c.count)))
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let index: HashMap<(&str, &str), &pb::ConversationCell> = cells
        .iter()
        .map(|c| ((c.department.as_str(), c.topic.as_str()), c))
        .collect();
    let matrix: Vec<Vec<Option<Cell>>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|column| {
                    index.get(&(row.as_str(), column.as_str())).map(|c| Cell {
                        count: c.count,
                        mean_sentiment: c.mean_sentiment,
                        note: match c.top_voice_handle.is_empty() {
                            true => String::new(),
                            false => format!("top voice @{}", c.top_voice_handle),
                        },
                    })
                })
                .collect()
        })
        .collect();
    let mut body = filter_form(&context.filters, Some(&window), &context.departments, "");
    let caption = format!(
        "Each cell: mentions of a topic routed to a department; colour is mean sentiment (red negative, green positive). The {} largest topics, {}.",
        columns.len(),
        window.describe()
    );
    body.push_str(&card(
        "Departments × topics",
        &format!(
            r#"<div class="table-wrap">{}</div><p class="muted">{}</p>"#,
            svg::heatmap(&rows, &columns, &matrix),
            escape(&caption)
        ),
    ));
    Ok(Html(page(
        "Conversation map",
        "/map",
        &context.filters,
        &body,
    )))
}

/// `GET /inbox`: one link per department inbox the caller may open.
pub(crate) async fn inbox_index(
    Session { dashboard, .. }: Session,
    RawQuery(query): RawQuery,
) -> Page {
    let filters = Filters::parse(query.as_deref())?;
    // The report service lists only the inboxes the caller's token may open.
    let departments = dashboard
        .report
        .clone()
        .list_inboxes(pb::ListInboxesRequest {})
        .await?
        .into_inner()
        .departments;
    if departments.is_empty() {
        return Ok(empty_store("Inboxes", "/inbox", &filters));
    }
    let mut body = String::from(r#"<section class="card"><ul>"#);
    for department in &departments {
        let _ = write!(
            body,
            r#"<li><a href="/inbox/{}">{}</a></li>"#,
            url_encode(department),
            escape(department)
        );
    }
    body.push_str("</ul></section>");
    Ok(Html(page("Inboxes", "/inbox", &filters, &body)))
}

/// `GET /inbox/{department}`: the department's conversations by priority, with actions.
pub(crate) async fn inbox(
    session: Session,
    Path(department): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let page = inbox_page(&session, department, query).await;
    session.respond(page)
}

async fn inbox_page(session: &Session, department: String, query: Option<String>) -> Page {
    let dashboard = &session.dashboard;
    let filters = Filters::parse(query.as_deref())?;
    let answer = dashboard
        .report
        .clone()
        .inbox(pb::InboxRequest {
            department: department.clone(),
            status: filters.status.unwrap_or_default().into(),
            min_priority: 0.0,
            page_size: INBOX_PAGE,
            page_token: filters.page_token.clone(),
        })
        .await?
        .into_inner();
    let here = format!("/inbox/{}", url_encode(&department));
    let mut body = String::from(r#"<p class="filters">"#);
    for (status, label) in [
        ("", "all"),
        ("open", "open"),
        ("assigned", "assigned"),
        ("done", "done"),
    ] {
        let current = filters.status.map_or("", status_name);
        let _ = write!(
            body,
            r#"<a class="chip{}" href="{here}{}">{label}</a> "#,
            match current == status {
                true => " active",
                false => "",
            },
            match status.is_empty() {
                true => String::new(),
                false => format!("?status={status}"),
            }
        );
    }
    body.push_str(
        r#"<label class="muted"> acting as <input id="actor" value="dashboard" autocomplete="username"></label></p>"#,
    );
    let _ = write!(
        body,
        r#"<input type="hidden" id="csrf" value="{}">"#,
        escape(&session.csrf)
    );
    if answer.items.is_empty() {
        body.push_str(r#"<p class="card muted">Nothing in this inbox.</p>"#);
    } else {
        body.push_str(r#"<div class="card table-wrap"><table class="stack inbox"><thead><tr><th class="num">priority</th><th>conversation</th><th>status</th><th>assignee</th><th>actions</th></tr></thead><tbody>"#);
        for item in &answer.items {
            body.push_str(&inbox_row(item));
        }
        body.push_str("</tbody></table></div>");
    }
    if !answer.next_page_token.is_empty() {
        let status = filters
            .status
            .map(|s| format!("status={}&", status_name(s)))
            .unwrap_or_default();
        let _ = write!(
            body,
            r#"<p><a href="{here}?{status}page={}">next page →</a></p>"#,
            url_encode(&answer.next_page_token)
        );
    }
    body.push_str(INBOX_SCRIPT);
    Ok(Html(page(
        &format!("Inbox: {department}"),
        "/inbox",
        &filters,
        &body,
    )))
}

fn inbox_row(item: &pb::InboxItem) -> String {
    let mention = item.mention.clone().unwrap_or_default();
    let handle = mention
        .author
        .as_ref()
        .map(|a| a.handle.as_str())
        .unwrap_or_default();
    let status = status_name(item.status());
    let others: String = item
        .other_departments
        .iter()
        .map(|d| format!(r#"<span class="chip">also {}</span>"#, escape(d)))
        .collect();
    let reasons: String = item
        .routing_reasons
        .iter()
        .map(|r| format!(r#"<span class="chip reason">{}</span>"#, escape(r)))
        .collect();
    let history: String = item.history.iter().map(history_line).collect();
    let status_options: String = ["open", "assigned", "done"]
        .iter()
        .map(|s| {
            let selected = match *s == status {
                true => " selected",
                false => "",
            };
            format!(r#"<option value="{s}"{selected}>{s}</option>"#)
        })
        .collect();
    format!(
        r#"<tr id="item-{id}" data-id="{id}"><td class="num" data-label="priority">{priority:.2}</td><td data-label="conversation"><div><b>@{handle}</b> <span class="muted">{time}</span> {others}</div><div class="mention-text">{text}</div><div>{reasons}</div><details><summary>history ({events})</summary><ol class="history">{history}</ol></details></td><td data-label="status" class="status status-{status}">{status}</td><td data-label="assignee" class="assignee">{assignee}</td><td class="actions"><form data-action="assign"><input name="assignee" placeholder="assignee" aria-label="assignee" required><button type="submit" class="assign">assign</button></form><form data-action="status"><select name="status" aria-label="status">{status_options}</select><button type="submit" class="set-status">set</button></form><form data-action="note"><input name="note" placeholder="note" aria-label="note" required><button type="submit" class="add-note">note</button></form><span class="outcome muted" role="status"></span></td></tr>"#,
        id = mention.id,
        priority = item.priority,
        handle = escape(handle),
        time = escape(&when(mention.create_time)),
        text = escape(&mention.text),
        events = item.history.len(),
        assignee = escape(&item.assignee),
    )
}

fn history_line(event: &pb::InboxEvent) -> String {
    format!(
        "<li><time>{}</time> <b>{}</b> {} {}</li>",
        escape(&when(event.create_time)),
        escape(&event.actor),
        escape(&event.action),
        escape(&event.detail)
    )
}

/// Posts a row's form as JSON and redraws the row from the answer; text is set with
/// `textContent`, never parsed as HTML.
const INBOX_SCRIPT: &str = r#"<script>
const actor = document.getElementById('actor');
actor.value = localStorage.getItem('hearken-actor') || actor.value;
actor.addEventListener('change', () => localStorage.setItem('hearken-actor', actor.value));
for (const form of document.querySelectorAll('tr[data-id] form')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const row = form.closest('tr');
    const outcome = row.querySelector('.outcome');
    const body = {actor: actor.value || 'dashboard'};
    new FormData(form).forEach((value, name) => { if (value) body[name] = value; });
    outcome.textContent = 'saving…';
    try {
      const response = await fetch('/api/inbox/' + row.dataset.id, {
        method: 'POST', body: JSON.stringify(body), headers: {
          'content-type': 'application/json', 'x-csrf-token': document.getElementById('csrf').value}});
      const item = await response.json();
      if (!response.ok) throw new Error(item.error || response.statusText);
      const status = row.querySelector('.status');
      status.textContent = item.status;
      status.className = 'status status-' + item.status;
      row.querySelector('.assignee').textContent = item.assignee;
      row.querySelector('select[name=status]').value = item.status;
      const history = row.querySelector('ol.history');
      history.replaceChildren(...item.history.map((event) => {
        const line = document.createElement('li');
        line.textContent = [event.time, event.actor, event.action, event.detail].join(' ');
        return line;
      }));
      row.querySelector('summary').textContent = 'history (' + item.history.length + ')';
      if (form.dataset.action !== 'status') form.reset();
      outcome.textContent = 'saved';
    } catch (error) {
      outcome.textContent = 'not saved: ' + error.message;
    }
  });
}
</script>"#;

/// The body of `POST /api/inbox/{mention_id}`; absent fields change nothing.
#[derive(Debug, serde::Deserialize)]
struct InboxUpdate {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/inbox/{mention_id}`: assign, set status or add a note through UpdateInboxItem;
/// answers the updated item as JSON.
pub(crate) async fn update_inbox_item(
    session: Session,
    Path(mention_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if let Some(refusal) = session.csrf_refusal(sent) {
        return refusal;
    }
    match update(&session.dashboard, mention_id, &body).await {
        Ok(item) => json_response(StatusCode::OK, &item_json(&item)),
        Err(error) => {
            let (status, message) = error.public();
            json_response(status, &json!({ "error": message }))
        }
    }
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

async fn update(
    dashboard: &Dashboard,
    mention_id: i64,
    body: &[u8],
) -> Result<pb::InboxItem, DashboardError> {
    let update: InboxUpdate =
        serde_json::from_slice(body).map_err(|e| DashboardError::BadBody(e.to_string()))?;
    let status = match update.status.as_str() {
        "" => pb::InboxStatus::Unspecified,
        value => crate::filters::status("status", value)
            .map_err(|e| DashboardError::BadBody(e.to_string()))?,
    };
    let actor = match update.actor.trim() {
        "" => "dashboard".to_owned(),
        actor => actor.to_owned(),
    };
    let request = pb::UpdateInboxItemRequest {
        mention_id,
        actor,
        status: status.into(),
        assignee: update.assignee.trim().to_owned(),
        note: update.note.trim().to_owned(),
    };
    let answer = dashboard
        .report
        .clone()
        .update_inbox_item(request)
        .await?
        .into_inner();
    answer
        .item
        .ok_or_else(|| DashboardError::Report(tonic::Status::internal("answer without an item")))
}

fn item_json(item: &pb::InboxItem) -> serde_json::Value {
    let history: Vec<_> = item
        .history
        .iter()
        .map(|e| {
            json!({
                "time": when(e.create_time),
                "actor": e.actor,
                "action": e.action,
                "detail": e.detail,
            })
        })
        .collect();
    json!({
        "mention_id": item.mention.as_ref().map_or(0, |m| m.id),
        "owner_department": item.owner_department,
        "priority": item.priority,
        "status": status_name(item.status()),
        "assignee": item.assignee,
        "history": history,
    })
}

/// `GET /voices`: authors by influence, with what their score is made of.
pub(crate) async fn voices(Session { dashboard, .. }: Session, RawQuery(query): RawQuery) -> Page {
    let context = dashboard.context(query.as_deref()).await?;
    let Some(window) = context.window else {
        return Ok(empty_store("Top voices", "/voices", &context.filters));
    };
    let department = context.filters.department.clone();
    let voices = dashboard
        .report
        .clone()
        .top_voices(pb::TopVoicesRequest {
            department: department.clone(),
            time_range: Some(window.time_range()),
            limit: VOICES,
        })
        .await?
        .into_inner()
        .voices;
    let mut body = filter_form(&context.filters, Some(&window), &context.departments, "");
    let contribution = |c: &Option<pb::ScoreComponent>| c.map_or(0.0, |c| c.weight * c.percentile);
    let bars: Vec<Bar> = voices
        .iter()
        .map(|v| {
            let score = v.influence.clone().unwrap_or_default();
            Bar {
                label: format!("@{}", score.handle),
                values: vec![
                    contribution(&score.reach),
                    contribution(&score.engagement),
                    contribution(&score.network_authority),
                    contribution(&score.recency),
                ],
            }
        })
        .collect();
    let segments = [
        ("reach", svg::series_colour(0)),
        ("engagement", svg::series_colour(1)),
        ("network authority", svg::series_colour(2)),
        ("recency", svg::series_colour(4)),
    ];
    body.push_str(&card(
        "Score breakdown (weight × percentile; the bar is the 0–100 score)",
        &svg::stacked_bars(&bars, &segments, Some(100.0)),
    ));
    let mut table = String::from(
        r#"<div class="table-wrap"><table class="stack voices"><thead><tr><th>author</th><th class="num">score</th><th class="num">mentions</th><th class="num">mean sentiment</th><th class="num">reach pct</th><th class="num">engagement pct</th><th class="num">network pct</th><th class="num">topical pct</th><th class="num">recency pct</th></tr></thead><tbody>"#,
    );
    let percentile = |c: &Option<pb::ScoreComponent>| {
        c.map_or_else(|| "–".to_owned(), |c| format!("{:.0}", c.percentile))
    };
    for voice in &voices {
        let score = voice.influence.clone().unwrap_or_default();
        let topical = match department.is_empty() {
            true => None,
            false => score.topical_authority.get(&department).copied(),
        };
        let _ = write!(
            table,
            r#"<tr><td data-label="author">@{}</td><td class="num" data-label="score">{:.1}</td><td class="num" data-label="mentions">{}</td><td class="num" data-label="mean sentiment">{:+.2}</td><td class="num" data-label="reach">{}</td><td class="num" data-label="engagement">{}</td><td class="num" data-label="network">{}</td><td class="num" data-label="topical">{}</td><td class="num" data-label="recency">{}</td></tr>"#,
            escape(&score.handle),
            score.score,
            thousands(voice.mention_count),
            voice.mean_sentiment,
            percentile(&score.reach),
            percentile(&score.engagement),
            percentile(&score.network_authority),
            percentile(&topical),
            percentile(&score.recency),
        );
    }
    table.push_str("</tbody></table></div>");
    body.push_str(&card("Voices", &table));
    Ok(Html(page("Top voices", "/voices", &context.filters, &body)))
}

/// `GET /spikes`: buckets well above their baseline, with the volume they stand out of.
pub(crate) async fn spikes(Session { dashboard, .. }: Session, RawQuery(query): RawQuery) -> Page {
    let context = dashboard.context(query.as_deref()).await?;
    let Some(window) = context.window else {
        return Ok(empty_store("Spikes", "/spikes", &context.filters));
    };
    let filters = &context.filters;
    let mut report = dashboard.report.clone();
    let (volume, spikes) = tokio::try_join!(
        dashboard.volume(
            &window,
            &filters.department,
            pb::Dimension::Unspecified,
            window.bucket
        ),
        report.spikes(pb::SpikesRequest {
            time_range: Some(window.time_range()),
            department: filters.department.clone(),
            topic: filters.topic.clone(),
            bucket_width: window.bucket.into(),
        }),
    )?;
    let spikes = spikes.into_inner().spikes;
    let topic_field = format!(
        r#"<label>topic<input name="topic" value="{}" placeholder="any"></label>"#,
        escape(&filters.topic)
    );
    let mut body = filter_form(filters, Some(&window), &context.departments, &topic_field);
    let series: Vec<Series> = volume.iter().map(count_series).collect();
    let unit = bucket_name(window.bucket);
    body.push_str(&card(
        &format!("Volume per {unit}"),
        &svg::line_chart(&series, &format!("mentions per {unit}")),
    ));
    let mut table = String::from(
        r#"<div class="table-wrap"><table class="stack spikes"><thead><tr><th>bucket</th><th>department</th><th>topic</th><th class="num">mentions</th><th class="num">baseline</th><th class="num">σ above</th></tr></thead><tbody>"#,
    );
    for spike in &spikes {
        let _ = write!(
            table,
            r#"<tr><td data-label="bucket">{}</td><td data-label="department">{}</td><td data-label="topic">{}</td><td class="num" data-label="mentions">{}</td><td class="num" data-label="baseline">{:.1}</td><td class="num" data-label="σ above">{:.1}</td></tr>"#,
            escape(&when(spike.bucket_start_time)),
            escape(&spike.department),
            escape(&spike.topic),
            thousands(spike.count),
            spike.baseline,
            spike.standard_deviations,
        );
    }
    table.push_str("</tbody></table></div>");
    let title = format!("{} spikes", spikes.len());
    body.push_str(&card(
        &title,
        match spikes.is_empty() {
            true => r#"<p class="muted">No bucket stands out of its baseline in this window.</p>"#,
            false => &table,
        },
    ));
    Ok(Html(page("Spikes", "/spikes", filters, &body)))
}

/// `GET /places`: volume and mean sentiment by city on a world map, and by country.
pub(crate) async fn places(Session { dashboard, .. }: Session, RawQuery(query): RawQuery) -> Page {
    let context = dashboard.context(query.as_deref()).await?;
    let Some(window) = context.window else {
        return Ok(empty_store("Places", "/places", &context.filters));
    };
    let department = context.filters.department.as_str();
    let (cities, countries) = tokio::try_join!(
        dashboard.volume(
            &window,
            department,
            pb::Dimension::City,
            pb::BucketWidth::Week
        ),
        dashboard.volume(
            &window,
            department,
            pb::Dimension::Country,
            pb::BucketWidth::Week
        ),
    )?;
    let mut located = Vec::new();
    let mut unlocated = 0;
    for series in cities.iter().filter(|s| !s.key.is_empty()) {
        let (count, mean_sentiment) = totals(series);
        match places::city_coordinates(&series.key) {
            Some((latitude, longitude)) => located.push(Place {
                name: series.key.clone(),
                latitude,
                longitude,
                count,
                mean_sentiment,
            }),
            None => unlocated += 1,
        }
    }
    located.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    let mut body = filter_form(&context.filters, Some(&window), &context.departments, "");
    let mut caption = format!(
        "{} cities; circle area is volume, colour mean sentiment (red negative, green positive).",
        located.len()
    );
    if unlocated > 0 {
        let _ = write!(
            caption,
            " {unlocated} cities without known coordinates are left out."
        );
    }
    body.push_str(&card(
        "Mentions by city",
        &format!(
            r#"{}<p class="muted">{}</p>"#,
            svg::point_map(&located),
            escape(&caption)
        ),
    ));
    let place_rows = |rows: Vec<(String, i64, f64)>| {
        let mut table = String::from(
            r#"<div class="table-wrap"><table class="stack places"><thead><tr><th>place</th><th class="num">mentions</th><th class="num">mean sentiment</th></tr></thead><tbody>"#,
        );
        for (name, count, mean) in rows.into_iter().take(25) {
            let _ = write!(
                table,
                r#"<tr><td data-label="place">{}</td><td class="num" data-label="mentions">{}</td><td class="num" data-label="mean sentiment">{mean:+.2}</td></tr>"#,
                escape(&name),
                thousands(count),
            );
        }
        table.push_str("</tbody></table></div>");
        table
    };
    let mut country_rows: Vec<(String, i64, f64)> = countries
        .iter()
        .filter(|s| !s.key.is_empty())
        .map(|s| {
            let (count, mean) = totals(s);
            (s.key.clone(), count, mean)
        })
        .collect();
    country_rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    body.push_str(r#"<div class="grid">"#);
    body.push_str(&card(
        "Top cities",
        &place_rows(
            located
                .iter()
                .map(|p| (p.name.clone(), p.count, p.mean_sentiment))
                .collect(),
        ),
    ));
    body.push_str(&card("Countries", &place_rows(country_rows)));
    body.push_str("</div>");
    Ok(Html(page("Places", "/places", &context.filters, &body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = r#"<img src=x onerror="alert(1)">"#;

    fn item() -> pb::InboxItem {
        pb::InboxItem {
            mention: Some(pb::Mention {
                id: 42,
                text: format!("@united lost my bag {HOSTILE}"),
                author: Some(pb::Author {
                    handle: HOSTILE.into(),
                    ..Default::default()
                }),
                create_time: Some(Timestamp {
                    seconds: 1_424_779_200,
                    nanos: 0,
                }),
                ..Default::default()
            }),
            owner_department: "customer_service".into(),
            other_departments: vec!["pr".into()],
            priority: 0.87,
            status: pb::InboxStatus::Assigned.into(),
            assignee: HOSTILE.into(),
            routing_reasons: vec!["keyword: bag".into(), HOSTILE.into()],
            history: vec![pb::InboxEvent {
                actor: "hearken".into(),
                action: "routed".into(),
                detail: HOSTILE.into(),
                create_time: None,
            }],
        }
    }

    #[test]
    fn inbox_rows_escape_every_user_string() {
        let row = inbox_row(&item());
        assert!(!row.contains("<img"), "{row}");
        assert_eq!(
            row.matches("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;")
                .count(),
            5,
            "{row}"
        );
        assert!(row.contains(r#"<tr id="item-42" data-id="42">"#));
        assert!(row.contains(r#"class="status status-assigned">assigned<"#));
        assert!(row.contains(r#"<option value="assigned" selected>"#));
        assert!(row.contains("history (1)"));
        assert!(row.contains("2015-02-24 12:00 UTC"));
        assert!(row.contains(">0.87<"));
        assert!(row.contains("also pr"));
    }

    #[test]
    fn item_json_carries_the_audit_trail() {
        let value = item_json(&item());
        assert_eq!(value["mention_id"], 42);
        assert_eq!(value["status"], "assigned");
        assert_eq!(value["history"][0]["action"], "routed");
        assert_eq!(value["history"][0]["detail"], HOSTILE);
    }

    #[test]
    fn totals_weigh_sentiment_by_count() {
        let point = |count, mean_sentiment| pb::VolumePoint {
            bucket_start_time: None,
            count,
            mean_sentiment,
        };
        let series = pb::VolumeSeries {
            key: String::new(),
            points: vec![point(3, -0.5), point(1, 0.5)],
        };
        assert_eq!(totals(&series), (4, -0.25));
        assert_eq!(totals(&pb::VolumeSeries::default()), (0, 0.0));
    }

    #[test]
    fn ranks_by_total_then_name() {
        let ranked = by_total(
            [("b", 2), ("a", 2), ("c", 5), ("b", 1)]
                .into_iter()
                .map(|(n, c)| (n.to_owned(), c)),
        );
        assert_eq!(
            ranked,
            vec![
                ("c".to_owned(), 5),
                ("b".to_owned(), 3),
                ("a".to_owned(), 2)
            ]
        );
    }

    #[test]
    fn pages_have_a_viewport_and_escape_the_title() {
        let filters = Filters::parse(Some("department=%3Cscript%3E")).unwrap();
        let html = page(HOSTILE, "/", &filters, "<p>body</p>");
        assert!(
            html.contains(
                r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#
            )
        );
        assert!(!html.contains("<img"));
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("@media (max-width:700px)"));
        assert!(html.contains(r#"href="/map?department=%3Cscript%3E""#));
    }
}
