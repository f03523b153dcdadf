//! Feeds: RSS 0.9x, RSS 1.0 (RDF), RSS 2.0, Atom 1.0, and JSON Feed 1.x.
//!
//! XML is read into a flat arena of elements (no recursion, so deep nesting cannot overflow the
//! stack), then each `<item>` or `<entry>` becomes one record.

use hearken_proto::v1::{Author, Mention};
use quick_xml::{Reader, events::Event};
use serde_json::Value;

use crate::{
    FormatError, RecordError, html,
    json::{Document, FieldError, Obj},
};

pub(crate) fn parse(
    bytes: &[u8],
    sniffed: Option<Document>,
) -> Result<Vec<Result<Mention, RecordError>>, FormatError> {
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
    if sniffed.is_some() || matches!(first, Some(b'{')) {
        return json_feed(crate::json::document(bytes, sniffed)?);
    }
    let tree = Tree::read(&transcode(bytes))?;
    tree.records()
}

/// Latin-1 feeds are widened to UTF-8 up front; other declared encodings are read as UTF-8,
/// and any invalid bytes fail only the items that hold them.
fn transcode(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let declaration_end = bytes.iter().take(200).position(|&b| b == b'>').unwrap_or(0);
    let declaration = String::from_utf8_lossy(&bytes[..declaration_end]).to_ascii_lowercase();
    let latin1 = [
        "iso-8859-1",
        "latin1",
        "latin-1",
        "windows-1252",
        "iso-8859-15",
    ]
    .iter()
    .any(|name| {
        declaration.contains(&format!("encoding=\"{name}\""))
            || declaration.contains(&format!("encoding='{name}'"))
    });
    if latin1 && std::str::from_utf8(bytes).is_err() {
        // Latin-1 bytes are the first 256 code points.
        return std::borrow::Cow::Owned(
            bytes
                .iter()
                .map(|&b| char::from(b))
                .collect::<String>()
                .into_bytes(),
        );
    }
    std::borrow::Cow::Borrowed(bytes)
}

#[derive(Debug, Default)]
struct Element {
    /// Local name, without namespace prefix.
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<usize>,
    /// Direct text content, entity-decoded.
    text: String,
    /// Some text in this element was not UTF-8.
    invalid_utf8: bool,
}

#[derive(Debug)]
struct Tree {
    elements: Vec<Element>,
}

impl Tree {
    fn read(bytes: &[u8]) -> Result<Self, FormatError> {
        let mut reader = Reader::from_reader(bytes);
        reader.config_mut().expand_empty_elements = true;
        let mut elements: Vec<Element> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        let xml_error = |reader: &Reader<&[u8]>, error: &dyn std::fmt::Display| {
            FormatError::Xml(format!("at byte {}: {error}", reader.buffer_position()))
        };
        loop {
            let event = reader
                .read_event()
                .map_err(|error| xml_error(&reader, &error))?;
            match event {
                Event::Start(start) => {
                    let name = local_name(start.name().as_ref());
                    let mut attributes = Vec::new();
                    for attribute in start.attributes().with_checks(false).flatten() {
                        let key = local_name(attribute.key.as_ref());
                        let value = String::from_utf8_lossy(&attribute.value);
                        attributes.push((key, html::decode_entities(&value)));
                    }
                    let index = elements.len();
                    if let Some(&parent) = open.last() {
                        elements[parent].children.push(index);
                    } else if !elements.is_empty() {
                        return Err(FormatError::Xml("more than one root element".to_owned()));
                    }
                    elements.push(Element {
                        name,
                        attributes,
                        ..Element::default()
                    });
                    open.push(index);
                }
                Event::End(_) => {
                    open.pop();
                }
                Event::Text(text) => append(&mut elements, &open, &text, true),
                Event::CData(data) => append(&mut elements, &open, &data, false),
                Event::GeneralRef(reference) => {
                    let mut escaped = Vec::with_capacity(reference.len() + 2);
                    escaped.push(b'&');
                    escaped.extend_from_slice(&reference);
                    escaped.push(b';');
                    append(&mut elements, &open, &escaped, true);
                }
                Event::Eof => break,
                Event::Empty(_)
                | Event::Comment(_)
                | Event::Decl(_)
                | Event::PI(_)
                | Event::DocType(_) => {}
            }
        }
        if elements.is_empty() {
            return Err(FormatError::Xml("no root element".to_owned()));
        }
        if !open.is_empty() {
            return Err(FormatError::Xml(
                "unexpected end of document inside an element".to_owned(),
            ));
        }
        Ok(Self { elements })
    }

    fn root(&self) -> &Element {
        &self.elements[0]
    }

    fn child<'a>(&'a self, parent: &Element, name: &str) -> Option<&'a Element> {
        parent
            .children
            .iter()
            .map(|&index| &self.elements[index])
            .find(|child| child.name == name)
    }

    fn children<'a>(
        &'a self,
        parent: &'a Element,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        parent
            .children
            .iter()
            .map(|&index| &self.elements[index])
            .filter(move |child| child.name == name)
    }

    /// All text under `element`, in document order, and whether any of it was not UTF-8.
    fn deep_text(&self, element: &Element) -> (String, bool) {
        let mut text = String::new();
        let mut invalid = false;
        let mut pending = vec![element];
        while let Some(current) = pending.pop() {
            text.push_str(&current.text);
            invalid |= current.invalid_utf8;
            pending.extend(
                current
                    .children
                    .iter()
                    .rev()
                    .map(|&index| &self.elements[index]),
            );
        }
        (text, invalid)
    }

    fn records(&self) -> Result<Vec<Result<Mention, RecordError>>, FormatError> {
        let root = self.root();
        let feed = match root.name.as_str() {
            "rss" => Feed::Rss(self.child(root, "channel")),
            // RSS 1.0 puts items beside the channel, under the RDF root.
            "RDF" => Feed::Rss(self.child(root, "channel")),
            "feed" | "entry" => Feed::Atom,
            other => {
                return Err(FormatError::Xml(format!(
                    "root element <{other}> is not rss, rdf:RDF or an Atom feed"
                )));
            }
        };
        let items: Vec<&Element> = match (&feed, root.name.as_str()) {
            (_, "entry") => vec![root],
            (Feed::Atom, _) => self.children(root, "entry").collect(),
            (Feed::Rss(Some(channel)), "rss") => self.children(channel, "item").collect(),
            (Feed::Rss(_), _) => self.children(root, "item").collect(),
        };
        let context = self.context(root, &feed);
        Ok(items
            .into_iter()
            .enumerate()
            .map(|(index, item)| {
                let read = match feed {
                    Feed::Atom => self.atom_entry(item, &context),
                    Feed::Rss(_) => self.rss_item(item, &context),
                };
                read.map_err(|error| error.at(index, None))
            })
            .collect())
    }

    /// What the feed says about all its items: its title (the fallback author), language and
    /// feed-level author.
    fn context(&self, root: &Element, feed: &Feed<'_>) -> Context {
        let holder = match feed {
            Feed::Rss(Some(channel)) => channel,
            _ => root,
        };
        let text = |name: &str| {
            self.child(holder, name)
                .map(|element| self.deep_text(element).0.trim().to_owned())
        };
        let author = self
            .child(holder, "author")
            .map(|author| {
                self.child(author, "name")
                    .map_or_else(|| self.deep_text(author).0, |name| self.deep_text(name).0)
            })
            .or_else(|| text("creator"))
            .or_else(|| text("managingEditor"))
            .unwrap_or_default();
        let language = text("language")
            .or_else(|| attribute(root, "lang").map(str::to_owned))
            .unwrap_or_default();
        Context {
            title: html::to_text(&text("title").unwrap_or_default()),
            author: author.trim().to_owned(),
            language,
        }
    }

    /// The trimmed text of the first child called `name`, failing on invalid UTF-8.
    fn text_of(&self, item: &Element, name: &str) -> Result<Option<String>, FieldError> {
        let Some(element) = self.child(item, name) else {
            return Ok(None);
        };
        let (text, invalid) = self.deep_text(element);
        if invalid {
            return Err(FieldError::new(name, "invalid UTF-8"));
        }
        let trimmed = text.trim();
        Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
    }

    fn time_of(
        &self,
        item: &Element,
        names: &[&str],
    ) -> Result<Option<hearken_proto::prost_types::Timestamp>, FieldError> {
        for name in names {
            if let Some(raw) = self.text_of(item, name)? {
                return crate::time::parse(&raw)
                    .map(Some)
                    .ok_or_else(|| FieldError::new(name, format!("unreadable date {raw:?}")));
            }
        }
        Ok(None)
    }

    fn rss_item(&self, item: &Element, context: &Context) -> Result<Mention, FieldError> {
        if item.invalid_utf8 {
            return Err(FieldError::new("item", "invalid UTF-8"));
        }
        // RSS 2.0 `<link>` is text; an `<atom:link href>` inside an item is the fallback.
        let link = match self.text_of(item, "link")? {
            Some(link) => link,
            None => self
                .child(item, "link")
                .and_then(|link| attribute(link, "href"))
                .unwrap_or_default()
                .to_owned(),
        };
        let about = attribute(item, "about").unwrap_or_default().to_owned();
        let external_id = self
            .text_of(item, "guid")?
            .or_else(|| (!link.is_empty()).then(|| link.clone()))
            .unwrap_or(about);
        let title = self
            .text_of(item, "title")?
            .map(|title| html::to_text(&title))
            .unwrap_or_default();
        let body = match self.text_of(item, "encoded")? {
            Some(encoded) => Some(encoded),
            None => self.text_of(item, "description")?,
        };
        let author = self
            .text_of(item, "creator")?
            .or(self.text_of(item, "author")?);
        Ok(Mention {
            source: "rss".to_owned(),
            external_id,
            url: link,
            author: Some(feed_author(author, context)),
            text: join_text(
                &title,
                body.as_deref()
                    .map(html::to_text)
                    .as_deref()
                    .unwrap_or_default(),
            ),
            language: self
                .text_of(item, "language")?
                .unwrap_or_else(|| context.language.clone()),
            create_time: self.time_of(item, &["pubDate", "date", "published", "updated"])?,
            ..Mention::default()
        })
    }

    fn atom_entry(&self, entry: &Element, context: &Context) -> Result<Mention, FieldError> {
        if entry.invalid_utf8 {
            return Err(FieldError::new("entry", "invalid UTF-8"));
        }
        let links: Vec<&Element> = self.children(entry, "link").collect();
        let link = links
            .iter()
            .find(|link| matches!(attribute(link, "rel"), None | Some("alternate")))
            .or(links.first())
            .and_then(|link| attribute(link, "href"))
            .unwrap_or_default()
            .to_owned();
        let external_id = self.text_of(entry, "id")?.unwrap_or_else(|| link.clone());
        let title = self.atom_text(entry, "title")?;
        let body = match self.atom_text(entry, "content")? {
            content if !content.is_empty() => content,
            _ => self.atom_text(entry, "summary")?,
        };
        let author = match self.child(entry, "author") {
            Some(author) => self.text_of(author, "name")?,
            None => None,
        };
        let language = attribute(entry, "lang")
            .map(str::to_owned)
            .unwrap_or_else(|| context.language.clone());
        Ok(Mention {
            source: "rss".to_owned(),
            external_id,
            url: link,
            author: Some(feed_author(author, context)),
            text: join_text(&title, &body),
            language,
            create_time: self.time_of(entry, &["published", "updated", "issued", "modified"])?,
            ..Mention::default()
        })
    }

    /// An Atom text construct: `type="html"` is escaped HTML, `type="xhtml"` is inline markup
    /// (already reduced to its text), anything else is plain text.
    fn atom_text(&self, entry: &Element, name: &str) -> Result<String, FieldError> {
        let Some(element) = self.child(entry, name) else {
            return Ok(String::new());
        };
        let (text, invalid) = self.deep_text(element);
        if invalid {
            return Err(FieldError::new(name, "invalid UTF-8"));
        }
        Ok(match attribute(element, "type") {
            Some("html" | "text/html") => html::to_text(&text),
            _ => text.trim().to_owned(),
        })
    }
}

enum Feed<'a> {
    Rss(Option<&'a Element>),
    Atom,
}

struct Context {
    title: String,
    author: String,
    language: String,
}

/// The item's author, else the feed's author, else the feed's title: every feed item has a
/// publisher even when no person is named.
fn feed_author(author: Option<String>, context: &Context) -> Author {
    let handle = author
        .filter(|author| !author.is_empty())
        .or_else(|| (!context.author.is_empty()).then(|| context.author.clone()))
        .unwrap_or_else(|| context.title.clone());
    Author {
        display_name: handle.clone(),
        handle,
        ..Author::default()
    }
}

fn join_text(title: &str, body: &str) -> String {
    match (title.is_empty(), body.is_empty()) {
        (_, true) => title.to_owned(),
        (true, false) => body.to_owned(),
        (false, false) if body.starts_with(title) => body.to_owned(),
        (false, false) => format!("{title}\n\n{body}"),
    }
}

fn attribute<'a>(element: &'a Element, name: &str) -> Option<&'a str> {
    element
        .attributes
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The name without its namespace prefix: feeds mix `dc:`, `content:` and `atom:` freely.
fn local_name(raw: &[u8]) -> String {
    let name = String::from_utf8_lossy(raw);
    match name.split_once(':') {
        Some((_, local)) => local.to_owned(),
        None => name.into_owned(),
    }
}

fn append(elements: &mut [Element], open: &[usize], raw: &[u8], escaped: bool) {
    let Some(element) = open.last().and_then(|&index| elements.get_mut(index)) else {
        return;
    };
    match std::str::from_utf8(raw) {
        Ok(text) if escaped => element.text.push_str(&html::decode_entities(text)),
        Ok(text) => element.text.push_str(text),
        Err(_) => element.invalid_utf8 = true,
    }
}

/// JSON Feed 1.0 and 1.1 (`https://jsonfeed.org/version/1.1`).
fn json_feed(document: Document) -> Result<Vec<Result<Mention, RecordError>>, FormatError> {
    let feed_title = document
        .value
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let language = document
        .value
        .get("language")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let Some(Value::Array(items)) = document.value.get("items") else {
        return Err(FormatError::Shape {
            format: crate::Format::Rss,
            reason: "JSON Feed without \"items\"".to_owned(),
        });
    };
    let context = Context {
        title: feed_title,
        author: json_feed_author(&document.value).unwrap_or_default(),
        language,
    };
    Ok(document.records(items, |item| json_feed_item(item, &context)))
}

fn json_feed_author(holder: &Value) -> Option<String> {
    let author = holder
        .get("authors")
        .and_then(|authors| authors.get(0))
        .or_else(|| holder.get("author"))?;
    author.get("name")?.as_str().map(str::to_owned)
}

fn json_feed_item(value: &Value, context: &Context) -> Result<Mention, FieldError> {
    let item = Obj::new(value, "")?;
    let title = item.string("title")?;
    let body = match item.str("content_text")? {
        Some(text) => text.trim().to_owned(),
        None => html::to_text(item.str("content_html")?.unwrap_or_default()),
    };
    let url = item.string("url")?;
    Ok(Mention {
        source: "rss".to_owned(),
        external_id: item.id("id")?.unwrap_or_else(|| url.clone()),
        url,
        author: Some(feed_author(json_feed_author(value), context)),
        text: join_text(&title, &body),
        language: item
            .str("language")?
            .map(str::to_owned)
            .unwrap_or_else(|| context.language.clone()),
        create_time: item.time("date_published")?.or(item.time("date_modified")?),
        hashtags: crate::json::hashtags(
            item.array("tags")?
                .iter()
                .filter_map(|tag| tag.as_str().map(str::to_owned)),
        ),
        ..Mention::default()
    })
}
