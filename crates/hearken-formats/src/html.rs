//! Turning HTML fragments (Mastodon content, feed descriptions) into plain text.

/// Removes tags, turns `<br>` into a newline and paragraph ends into blank lines, drops
/// `<script>` and `<style>` bodies, decodes entities and trims the result.
pub(crate) fn to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    let mut skipping_until: Option<&str> = None;
    while let Some(open) = rest.find('<') {
        if skipping_until.is_none() {
            text.push_str(&rest[..open]);
        }
        let after = &rest[open + 1..];
        let Some(close) = tag_end(after) else {
            // A lone "<" is text, as browsers treat it.
            if skipping_until.is_none() {
                text.push('<');
            }
            rest = after;
            continue;
        };
        let tag = &after[..close];
        rest = &after[close + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let closing = tag.starts_with('/');
        if let Some(until) = skipping_until {
            if closing && name == until {
                skipping_until = None;
            }
            continue;
        }
        match (name.as_str(), closing) {
            ("script", false) => skipping_until = Some("script"),
            ("style", false) => skipping_until = Some("style"),
            ("br", _) => text.push('\n'),
            ("p" | "div" | "li" | "blockquote" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6", true) => {
                text.push_str("\n\n");
            }
            _ => {}
        }
    }
    if skipping_until.is_none() {
        text.push_str(rest);
    }
    let decoded = decode_entities(&text);
    collapse_blank_lines(decoded.trim())
}

/// Longest tag read as markup; a longer run after `<` is text. Bounding the scan keeps
/// stripping linear on hostile input such as `<a<a<a…` with no `>`.
const MAX_TAG_LEN: usize = 4096;

/// Index of the `>` that ends a tag, skipping quoted attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let first = tag.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '/' || first == '!' || first == '?') {
        return None;
    }
    let mut quote: Option<char> = None;
    for (index, c) in tag
        .char_indices()
        .take_while(|(index, _)| *index < MAX_TAG_LEN)
    {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(index),
            // Another `<` before any `>`: the first one was text.
            (None, '<') => return None,
            (None, _) => {}
        }
    }
    None
}

fn collapse_blank_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut newlines = 0;
    for c in text.chars() {
        if c == '\n' {
            newlines += 1;
            if newlines > 2 {
                continue;
            }
        } else {
            newlines = 0;
        }
        out.push(c);
    }
    out
}

/// Decodes numeric references and the named entities that appear in practice; unknown
/// entities stay as written.
pub(crate) fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // Entity names are short; looking further for `;` would make `&&&&…` quadratic.
        let decoded = after
            .bytes()
            .take(33)
            .position(|b| b == b';')
            .and_then(|end| entity(&after[..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse::<u32>().ok()?,
        };
        return char::from_u32(code).filter(|&c| c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        "pound" => '£',
        "middot" => '·',
        "bull" => '•',
        "deg" => '°',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodon_paragraphs_and_mentions() {
        let html = r#"<p>Hi <span class="h-card"><a href="https://x.y/@a" class="u-url mention">@<span>a</span></a></span> &amp; co</p><p>line<br>two &#x1F600;</p>"#;
        assert_eq!(to_text(html), "Hi @a & co\n\nline\ntwo \u{1F600}");
    }

    #[test]
    fn hostile_input_stays_linear() {
        let angles = "<a".repeat(200_000);
        let started = std::time::Instant::now();
        assert_eq!(to_text(&angles), angles);
        assert_eq!(decode_entities(&"&".repeat(200_000)).len(), 200_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn scripts_dropped_and_lone_angles_kept() {
        assert_eq!(to_text("a < b <script>x()</script>c"), "a < b c");
        assert_eq!(decode_entities("&bogus; &#0; &amp"), "&bogus; &#0; &amp");
    }
}
