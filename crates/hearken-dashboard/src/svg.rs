//! Charts as SVG strings, rendered on the server so the pages need no script and no network.
//!
//! Each chart is a pure function of its data; every text that came from a user (topics,
//! handles, places) is escaped here, so callers pass raw strings.

use std::fmt::Write as _;

use crate::html::{escape, thousands};

/// Colours of the series, in order; chosen to stay apart for the colour-blind.
const PALETTE: [&str; 8] = [
    "#2f6fb0", "#e08a1e", "#3a9e6b", "#b8473e", "#7a5cb0", "#8c6d46", "#c05a9b", "#6b7a86",
];

/// Sentiment colours: negative, neutral, positive.
pub const NEGATIVE: &str = "#c0392b";
pub const NEUTRAL: &str = "#9aa3ab";
pub const POSITIVE: &str = "#2e9d5b";

/// One line of a [`line_chart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// `(x, y)`; x is seconds since the epoch, ascending.
    pub points: Vec<(i64, f64)>,
}

/// The colour of series `index`.
pub fn series_colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// A colour between red (-1), grey (0) and green (+1) for a mean sentiment.
pub fn sentiment_colour(mean: f64) -> String {
    let t = mean.clamp(-1.0, 1.0);
    let (from, to, t) = match t < 0.0 {
        true => (rgb(NEUTRAL), rgb(NEGATIVE), -t),
        false => (rgb(NEUTRAL), rgb(POSITIVE), t),
    };
    // A mean of ±0.5 is already a strong lean; the square root makes it visible.
    let t = t.sqrt();
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(from.0, to.0),
        mix(from.1, to.1),
        mix(from.2, to.2)
    )
}

fn rgb(hex: &str) -> (u8, u8, u8) {
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
    (channel(1), channel(3), channel(5))
}

/// Round tick values from 0 (or `min` when negative) to at least `max`: 1, 2 or 5 × 10ⁿ apart.
pub fn ticks(min: f64, max: f64, wanted: usize) -> Vec<f64> {
    let (min, max) = (min.min(0.0), max.max(min.min(0.0) + f64::EPSILON));
    let raw_step = (max - min) / wanted.max(1) as f64;
    let magnitude = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw_step)
        .unwrap_or(10.0 * magnitude);
    let first = (min / step).floor() as i64;
    let last = (max / step).ceil() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

fn tick_label(value: f64) -> String {
    match value.fract() == 0.0 && value.abs() < 1e15 {
        true => thousands(value as i64),
        false => format!("{value:.2}"),
    }
}

/// Formats an x value (seconds) for an axis: a date, with the hour when the span is short.
fn time_label(seconds: i64, with_hour: bool) -> String {
    let Some(time) = chrono::DateTime::from_timestamp(seconds, 0) else {
        return String::new();
    };
    match with_hour {
        true => time.format("%b %d %H:00").to_string(),
        false => time.format("%b %d").to_string(),
    }
}

/// A time series chart: one polyline and a dot per point for each series, y axis from zero
/// (or the lowest value when negative), dates on the x axis, and a legend when there are
/// several series. `y_label` names the unit.
pub fn line_chart(series: &[Series], y_label: &str) -> String {
    const W: f64 = 720.0;
    const H: f64 = 260.0;
    const LEFT: f64 = 56.0;
    const RIGHT: f64 = 12.0;
    const TOP: f64 = 14.0;
    const BOTTOM: f64 = 40.0;
    let all = || series.iter().flat_map(|s| s.points.iter());
    let mut svg = format!(
        r#"<svg class="chart line-chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(y_label)
    );
    let (Some(x_min), Some(x_max)) = (all().map(|p| p.0).min(), all().map(|p| p.0).max()) else {
        svg.push_str(r#"<text x="360" y="130" text-anchor="middle" class="empty">no data in this window</text></svg>"#);
        return svg;
    };
    let y_min = all().map(|p| p.1).fold(0.0, f64::min);
    let y_max = all().map(|p| p.1).fold(0.0, f64::max);
    let y_ticks = ticks(y_min, y_max, 4);
    let (y_lo, y_hi) = (y_ticks[0], y_ticks[y_ticks.len() - 1]);
    let x_span = (x_max - x_min).max(1) as f64;
    let x = |t: i64| LEFT + (t - x_min) as f64 / x_span * (W - LEFT - RIGHT);
    let y = |v: f64| TOP + (y_hi - v) / (y_hi - y_lo).max(f64::EPSILON) * (H - TOP - BOTTOM);

    for tick in &y_ticks {
        let ty = y(*tick);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{ty:.1}" y2="{ty:.1}"/><text class="y-label" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            W - RIGHT,
            LEFT - 6.0,
            ty + 4.0,
            tick_label(*tick)
        );
    }
    let mut times: Vec<i64> = all().map(|p| p.0).collect();
    times.sort_unstable();
    times.dedup();
    let x_ticks = x_ticks(&times, x_max - x_min < 3 * 86_400, 6);
    for (i, (t, label)) in x_ticks.iter().enumerate() {
        let anchor = match i {
            0 => "start",
            i if i == x_ticks.len() - 1 => "end",
            _ => "middle",
        };
        let _ = write!(
            svg,
            r#"<text class="x-label" x="{:.1}" y="{}" text-anchor="{anchor}">{label}</text>"#,
            x(*t),
            H - BOTTOM + 18.0,
        );
    }
    let _ = write!(
        svg,
        r#"<text class="axis-title" x="{LEFT}" y="{}">{}</text>"#,
        H - 4.0,
        escape(y_label)
    );
    for (index, one) in series.iter().enumerate() {
        let colour = series_colour(index);
        let path: Vec<String> = one
            .points
            .iter()
            .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v)))
            .collect();
        let _ = write!(
            svg,
            r#"<g class="series" data-name="{}"><polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
            escape(&one.name),
            path.join(" ")
        );
        for (t, v) in &one.points {
            let _ = write!(
                svg,
                r#"<circle class="pt" cx="{:.1}" cy="{:.1}" r="2.5" fill="{colour}"><title>{}{}: {}</title></circle>"#,
                x(*t),
                y(*v),
                match one.name.is_empty() {
                    true => String::new(),
                    false => format!("{} · ", escape(&one.name)),
                },
                time_label(*t, true),
                tick_label(round_to(*v, 3))
            );
        }
        svg.push_str("</g>");
    }
    if series.len() > 1 {
        for (index, one) in series.iter().enumerate() {
            let lx = LEFT + 8.0 + (index % 4) as f64 * 160.0;
            let ly = TOP + 4.0 + (index / 4) as f64 * 14.0;
            let _ = write!(
                svg,
                r#"<rect x="{lx}" y="{ly}" width="10" height="10" fill="{}"/><text class="legend" x="{}" y="{}">{}</text>"#,
                series_colour(index),
                lx + 14.0,
                ly + 9.0,
                escape(&one.name)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Up to `wanted` x-axis ticks at the points' times (`times` sorted and distinct), spread
/// evenly, and labelled each differently: ticks between buckets, or a label coarser than the
/// buckets (days for hourly points), would otherwise print one date twice.
fn x_ticks(times: &[i64], with_hour: bool, wanted: usize) -> Vec<(i64, String)> {
    let picks = wanted.min(times.len());
    let mut ticks: Vec<(i64, String)> = Vec::with_capacity(picks);
    for i in 0..picks {
        let t = times[i * (times.len() - 1) / (picks - 1).max(1)];
        let label = time_label(t, with_hour);
        if ticks.iter().all(|(_, seen)| *seen != label) {
            ticks.push((t, label));
        }
    }
    ticks
}

fn round_to(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// One bar of [`stacked_bars`]: a label and one value per segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub values: Vec<f64>,
}

/// Horizontal stacked bars, one per row, scaled to the longest bar (or to `scale_max` when
/// given, e.g. 100 for scores). `segments` names and colours each value of a bar.
pub fn stacked_bars(bars: &[Bar], segments: &[(&str, &str)], scale_max: Option<f64>) -> String {
    const W: f64 = 720.0;
    const ROW: f64 = 24.0;
    const LABEL: f64 = 170.0;
    const VALUE: f64 = 70.0;
    let legend_height = 22.0;
    let height = legend_height + ROW * bars.len().max(1) as f64 + 4.0;
    let mut svg = format!(
        r#"<svg class="chart stacked-bars" viewBox="0 0 {W} {height}" role="img" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (index, (name, colour)) in segments.iter().enumerate() {
        let lx = LABEL + index as f64 * 120.0;
        let _ = write!(
            svg,
            r#"<rect x="{lx}" y="4" width="10" height="10" fill="{colour}"/><text class="legend" x="{}" y="13">{}</text>"#,
            lx + 14.0,
            escape(name)
        );
    }
    if bars.is_empty() {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle" class="empty">no data in this window</text></svg>"#,
            W / 2.0,
            legend_height + 16.0
        );
        return svg;
    }
    let longest = bars
        .iter()
        .map(|b| b.values.iter().sum::<f64>())
        .fold(0.0, f64::max);
    let scale = scale_max.unwrap_or(longest).max(f64::EPSILON);
    let track = W - LABEL - VALUE;
    for (row, bar) in bars.iter().enumerate() {
        let top = legend_height + row as f64 * ROW;
        let _ = write!(
            svg,
            r#"<g class="bar" data-label="{}"><text class="bar-label" x="{}" y="{}" text-anchor="end">{}</text>"#,
            escape(&bar.label),
            LABEL - 8.0,
            top + 15.0,
            escape(&truncate(&bar.label, 24))
        );
        let mut x = LABEL;
        for (index, value) in bar.values.iter().enumerate() {
            let width = value.max(0.0) / scale * track;
            let (name, colour) = segments
                .get(index)
                .copied()
                .unwrap_or(("", series_colour(index)));
            let _ = write!(
                svg,
                r#"<rect class="seg" x="{x:.1}" y="{}" width="{width:.1}" height="{}" fill="{colour}"><title>{}: {}</title></rect>"#,
                top + 3.0,
                ROW - 6.0,
                escape(name),
                tick_label(round_to(*value, 2))
            );
            x += width;
        }
        let _ = write!(
            svg,
            r#"<text class="bar-value" x="{:.1}" y="{}">{}</text></g>"#,
            x + 6.0,
            top + 15.0,
            tick_label(round_to(bar.values.iter().sum(), 1))
        );
    }
    svg.push_str("</svg>");
    svg
}

fn truncate(text: &str, chars: usize) -> String {
    match text.chars().count() > chars {
        true => format!("{}…", text.chars().take(chars - 1).collect::<String>()),
        false => text.to_owned(),
    }
}

/// One cell of a [`heatmap`].
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub count: i64,
    pub mean_sentiment: f64,
    /// Extra line for the tooltip, e.g. the top voice.
    pub note: String,
}

/// A rows × columns matrix: each cell's colour is its mean sentiment, its opacity its share of
/// the largest count, and it shows its count. `cells[row][column]`; `None` is an empty cell.
pub fn heatmap(rows: &[String], columns: &[String], cells: &[Vec<Option<Cell>>]) -> String {
    const CELL_W: f64 = 56.0;
    const CELL_H: f64 = 30.0;
    const LEFT: f64 = 150.0;
    const TOP: f64 = 120.0;
    let width = LEFT + CELL_W * columns.len().max(1) as f64 + 10.0;
    let height = TOP + CELL_H * rows.len().max(1) as f64 + 10.0;
    let mut svg = format!(
        r#"<svg class="chart heatmap" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">"#
    );
    let max = cells
        .iter()
        .flatten()
        .flatten()
        .map(|c| c.count)
        .max()
        .unwrap_or(0)
        .max(1);
    for (index, column) in columns.iter().enumerate() {
        let cx = LEFT + CELL_W * index as f64 + CELL_W / 2.0;
        let _ = write!(
            svg,
            r#"<text class="col-label" transform="translate({cx:.1},{}) rotate(-45)">{}</text>"#,
            TOP - 6.0,
            escape(&truncate(column, 20))
        );
    }
    for (row_index, row) in rows.iter().enumerate() {
        let top = TOP + CELL_H * row_index as f64;
        let _ = write!(
            svg,
            r#"<text class="row-label" x="{}" y="{}" text-anchor="end">{}</text>"#,
            LEFT - 8.0,
            top + CELL_H / 2.0 + 4.0,
            escape(&truncate(row, 22))
        );
        for (column_index, column) in columns.iter().enumerate() {
            let Some(Some(cell)) = cells.get(row_index).and_then(|r| r.get(column_index)) else {
                continue;
            };
            let left = LEFT + CELL_W * column_index as f64;
            // Even the smallest non-empty cell stays visible.
            let opacity = 0.25 + 0.75 * (cell.count as f64 / max as f64).sqrt();
            let _ = write!(
                svg,
                r#"<g class="cell" data-row="{}" data-column="{}"><rect x="{left:.1}" y="{top:.1}" width="{}" height="{}" fill="{}" fill-opacity="{opacity:.2}"><title>{} × {}: {} mentions, mean sentiment {:+.2}{}</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text></g>"#,
                escape(row),
                escape(column),
                CELL_W - 2.0,
                CELL_H - 2.0,
                sentiment_colour(cell.mean_sentiment),
                escape(row),
                escape(column),
                thousands(cell.count),
                cell.mean_sentiment,
                match cell.note.is_empty() {
                    true => String::new(),
                    false => format!(" · {}", escape(&cell.note)),
                },
                left + CELL_W / 2.0 - 1.0,
                top + CELL_H / 2.0 + 3.0,
                thousands(cell.count)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One place of a [`point_map`].
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub count: i64,
    pub mean_sentiment: f64,
}

/// Places on an equirectangular projection of the whole world with a 30° graticule: a circle
/// per place whose area is its count and whose colour is its mean sentiment. No tiles, so it
/// works offline.
pub fn point_map(places: &[Place]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 360.0;
    let x = |longitude: f64| (longitude.clamp(-180.0, 180.0) + 180.0) / 360.0 * W;
    let y = |latitude: f64| (90.0 - latitude.clamp(-90.0, 90.0)) / 180.0 * H;
    let mut svg = format!(
        r#"<svg class="chart point-map" viewBox="0 0 {W} {H}" role="img" aria-label="mentions by place" xmlns="http://www.w3.org/2000/svg"><rect class="ocean" x="0" y="0" width="{W}" height="{H}"/>"#
    );
    for longitude in (-180..=180).step_by(30) {
        let gx = x(f64::from(longitude));
        let _ = write!(
            svg,
            r#"<line class="graticule" x1="{gx:.1}" x2="{gx:.1}" y1="0" y2="{H}"/><text class="grid-label" x="{:.1}" y="{}">{}°</text>"#,
            gx + 2.0,
            H - 4.0,
            longitude
        );
    }
    for latitude in (-60..=60).step_by(30) {
        let gy = y(f64::from(latitude));
        let class = match latitude {
            0 => "graticule equator",
            _ => "graticule",
        };
        let _ = write!(
            svg,
            r#"<line class="{class}" x1="0" x2="{W}" y1="{gy:.1}" y2="{gy:.1}"/><text class="grid-label" x="2" y="{:.1}">{}°</text>"#,
            gy - 2.0,
            latitude
        );
    }
    let max = places.iter().map(|p| p.count).max().unwrap_or(0).max(1);
    // Largest first, so small places are drawn on top and stay clickable.
    let mut ordered: Vec<&Place> = places.iter().collect();
    ordered.sort_by_key(|p| std::cmp::Reverse(p.count));
    for place in ordered {
        let radius = 2.5 + 14.0 * (place.count as f64 / max as f64).sqrt();
        let _ = write!(
            svg,
            r#"<circle class="place" data-name="{}" cx="{:.1}" cy="{:.1}" r="{radius:.1}" fill="{}"><title>{}: {} mentions, mean sentiment {:+.2}</title></circle>"#,
            escape(&place.name),
            x(place.longitude),
            y(place.latitude),
            sentiment_colour(place.mean_sentiment),
            escape(&place.name),
            thousands(place.count),
            place.mean_sentiment
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = r#"<script>alert('x')</script>"&"#;

    fn day(n: i64) -> i64 {
        // 2015-02-16, the first day of the airline tweets.
        1_424_044_800 + n * 86_400
    }

    #[test]
    fn line_chart_has_a_dot_per_point_and_date_labels() {
        let counts = [612, 1_408, 1_523, 1_344, 1_102, 2_134, 3_079, 2_262, 1_176];
        let series = vec![Series {
            name: String::new(),
            points: counts
                .iter()
                .enumerate()
                .map(|(i, c)| (day(i as i64), f64::from(*c)))
                .collect(),
        }];
        let svg = line_chart(&series, "mentions per day");
        assert_eq!(svg.matches(r#"<circle class="pt""#).count(), 9);
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains(">Feb 16<"), "{svg}");
        assert!(svg.contains(">Feb 24<"), "{svg}");
        // The y axis reaches past the peak (3,079) with a round number.
        assert!(svg.contains(">3,000<") && svg.contains(">4,000<"), "{svg}");
        assert!(svg.contains(">0<"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    /// Every x-axis label of a chart, in order.
    fn x_labels(svg: &str) -> Vec<String> {
        svg.split(r#"class="x-label""#)
            .skip(1)
            .filter_map(|rest| rest.split_once('>')?.1.split_once('<'))
            .map(|(label, _)| label.to_owned())
            .collect()
    }

    #[test]
    fn line_chart_never_repeats_an_x_label() {
        // Two series over four days: more points than days, and a span too long for hours.
        let by_department: Vec<Series> = ["customer_service", "marketing"]
            .into_iter()
            .map(|name| Series {
                name: name.into(),
                points: (0..4).map(|d| (day(d), 10.0)).collect(),
            })
            .collect();
        let labels = x_labels(&line_chart(&by_department, "mentions per day"));
        assert_eq!(labels, ["Feb 16", "Feb 17", "Feb 18", "Feb 19"]);

        // Three hourly series over three hours.
        let hourly: Vec<Series> = ["negative", "neutral", "positive"]
            .into_iter()
            .map(|name| Series {
                name: name.into(),
                points: (0..3).map(|h| (day(0) + h * 3_600, 1.0)).collect(),
            })
            .collect();
        let labels = x_labels(&line_chart(&hourly, "mentions per hour"));
        assert_eq!(labels, ["Feb 16 00:00", "Feb 16 01:00", "Feb 16 02:00"]);

        // A week of hourly points, labelled by day: each day at most once.
        let week = vec![Series {
            name: String::new(),
            points: (0..7 * 24).map(|h| (day(0) + h * 3_600, 1.0)).collect(),
        }];
        let labels = x_labels(&line_chart(&week, "mentions per hour"));
        let mut distinct = labels.clone();
        distinct.dedup();
        assert_eq!(labels, distinct);
        assert_eq!(labels.first().map(String::as_str), Some("Feb 16"));
        assert_eq!(labels.last().map(String::as_str), Some("Feb 22"));
    }

    #[test]
    fn line_chart_without_points_says_so() {
        let svg = line_chart(&[], "mentions");
        assert!(svg.contains("no data in this window"));
        assert!(!svg.contains("<circle"));
    }

    #[test]
    fn line_chart_escapes_series_names_and_draws_a_legend() {
        let series = vec![
            Series {
                name: HOSTILE.into(),
                points: vec![(day(0), 1.0), (day(1), 2.0)],
            },
            Series {
                name: "united".into(),
                points: vec![(day(0), -0.4), (day(1), 0.2)],
            },
        ];
        let svg = line_chart(&series, "mean sentiment");
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;"));
        assert_eq!(svg.matches(r#"class="legend""#).count(), 2);
        // A negative value takes the axis below zero.
        assert!(svg.contains(">-0.50<") || svg.contains(">-1<"), "{svg}");
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            ticks(0.0, 3_079.0, 4),
            vec![0.0, 1_000.0, 2_000.0, 3_000.0, 4_000.0]
        );
        assert_eq!(ticks(0.0, 7.0, 4), vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        let signed = ticks(-0.42, 0.31, 4);
        assert!(
            signed[0] <= -0.42 && *signed.last().unwrap() >= 0.31,
            "{signed:?}"
        );
        assert_eq!(ticks(0.0, 0.0, 4)[0], 0.0);
    }

    #[test]
    fn stacked_bars_draw_a_segment_per_value() {
        let bars = vec![
            Bar {
                label: "united".into(),
                values: vec![492.0, 697.0, 2_633.0],
            },
            Bar {
                label: HOSTILE.into(),
                values: vec![0.0, 1.0, 2.0],
            },
        ];
        let segments = [
            ("positive", POSITIVE),
            ("neutral", NEUTRAL),
            ("negative", NEGATIVE),
        ];
        let svg = stacked_bars(&bars, &segments, None);
        assert_eq!(svg.matches(r#"<rect class="seg""#).count(), 6);
        assert_eq!(svg.matches(r#"<g class="bar""#).count(), 2);
        assert!(svg.contains(">3,822<"), "{svg}");
        assert!(svg.contains(">united<"));
        assert!(!svg.contains("<script"));
        assert!(svg.contains(">positive<") && svg.contains(">negative<"));
    }

    #[test]
    fn heatmap_has_a_cell_per_non_empty_pair() {
        let rows = vec!["customer_service".to_owned(), "marketing".to_owned()];
        let columns = vec![
            "#fail".to_owned(),
            "delayed flight".to_owned(),
            HOSTILE.to_owned(),
        ];
        let cell = |count, mean_sentiment| {
            Some(Cell {
                count,
                mean_sentiment,
                note: "@jetblue".into(),
            })
        };
        let cells = vec![
            vec![cell(140, -0.6), cell(92, -0.4), None],
            vec![None, cell(3, 0.2), cell(1, 0.0)],
        ];
        let svg = heatmap(&rows, &columns, &cells);
        assert_eq!(svg.matches(r#"<g class="cell""#).count(), 4);
        assert_eq!(svg.matches(r#"class="row-label""#).count(), 2);
        assert_eq!(svg.matches(r#"class="col-label""#).count(), 3);
        assert!(svg.contains(">140<") && svg.contains(">92<"));
        assert!(!svg.contains("<script"), "{svg}");
        // Negative cells are red-ish, positive green-ish.
        assert!(svg.contains(&sentiment_colour(-0.6)));
        assert_ne!(sentiment_colour(-0.6), sentiment_colour(0.6));
    }

    #[test]
    fn sentiment_colours_span_red_grey_green() {
        assert_eq!(sentiment_colour(-1.0), NEGATIVE);
        assert_eq!(sentiment_colour(0.0), NEUTRAL);
        assert_eq!(sentiment_colour(1.0), POSITIVE);
        assert_eq!(sentiment_colour(7.0), POSITIVE);
    }

    #[test]
    fn point_map_projects_places_and_draws_a_graticule() {
        let places = vec![
            Place {
                name: "Portland, US-OR".into(),
                latitude: 45.52,
                longitude: -122.68,
                count: 40,
                mean_sentiment: -0.3,
            },
            Place {
                name: "London, GB-ENG".into(),
                latitude: 51.51,
                longitude: -0.13,
                count: 10,
                mean_sentiment: 0.1,
            },
            Place {
                name: HOSTILE.into(),
                latitude: 0.0,
                longitude: 0.0,
                count: 1,
                mean_sentiment: 0.0,
            },
        ];
        let svg = point_map(&places);
        assert_eq!(svg.matches(r#"<circle class="place""#).count(), 3);
        // 13 meridians (-180..=180 by 30) and 5 parallels (-60..=60 by 30).
        assert_eq!(svg.matches("<line class=\"graticule").count(), 18);
        // Equirectangular: x = (lon + 180) / 360 × 720, y = (90 − lat) / 180 × 360.
        assert!(svg.contains(r#"cx="114.6" cy="89.0""#), "{svg}");
        assert!(svg.contains(r#"cx="359.7" cy="77.0""#), "{svg}");
        assert!(svg.contains(r#"cx="360.0" cy="180.0""#));
        assert!(!svg.contains("<script"));
        // The largest place is drawn first, underneath.
        assert!(svg.find("Portland").unwrap() < svg.find("London").unwrap());
    }
}
