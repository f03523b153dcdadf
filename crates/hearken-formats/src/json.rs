//! Reading JSON documents leniently: typed field access with dotted error paths, and invalid
//! UTF-8 confined to the records that hold it.

use hearken_proto::{prost_types::Timestamp, v1::Mention};
use serde_json::{Map, Value};

use crate::{FormatError, RecordError, time};

/// Stands in for each invalid UTF-8 sequence so that the rest of the document still parses.
/// A Unicode noncharacter, so real text practically never contains it.
const INVALID_UTF8_MARK: char = '\u{FDD0}';

/// A parsed JSON document, and whether invalid UTF-8 had to be marked to parse it.
#[derive(Debug)]
pub(crate) struct Document {
    pub(crate) value: Value,
    pub(crate) marked_invalid_utf8: bool,
}

impl Document {
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        let (text, marked_invalid_utf8) = match std::str::from_utf8(bytes) {
            Ok(text) => (std::borrow::Cow::Borrowed(text), false),
            Err(_) => (std::borrow::Cow::Owned(mark_invalid_utf8(bytes)), true),
        };
        let value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|error| FormatError::Json(error.to_string()))?;
        Ok(Self {
            value,
            marked_invalid_utf8,
        })
    }

    /// Converts each record with `convert`, turning invalid UTF-8 inside a record, and any
    /// field error, into that record's error.
    pub(crate) fn records<'a>(
        &self,
        values: impl IntoIterator<Item = &'a Value>,
        convert: impl Fn(&'a Value) -> Result<Mention, FieldError>,
    ) -> Vec<Result<Mention, RecordError>> {
        values
            .into_iter()
            .enumerate()
            .map(|(index, value)| {
                if self.marked_invalid_utf8 {
                    check_utf8(value, "").map_err(|error| error.at(index, None))?;
                }
                convert(value).map_err(|error| error.at(index, None))
            })
            .collect()
    }
}

/// The document sniffing already parsed, or a fresh parse of `bytes`.
pub(crate) fn document(bytes: &[u8], parsed: Option<Document>) -> Result<Document, FormatError> {
    match parsed {
        Some(document) => Ok(document),
        None => Document::parse(bytes),
    }
}

fn mark_invalid_utf8(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            text.push(INVALID_UTF8_MARK);
        }
    }
    text
}

/// Fails on the first string (key or value) in `value` that held invalid UTF-8.
pub(crate) fn check_utf8(value: &Value, path: &str) -> Result<(), FieldError> {
    let invalid = |field: &str| FieldError::new(field, "invalid UTF-8");
    match value {
        Value::String(text) if text.contains(INVALID_UTF8_MARK) => Err(invalid(path)),
        Value::Array(items) => items.iter().try_for_each(|item| check_utf8(item, path)),
        Value::Object(map) => map.iter().try_for_each(|(key, item)| {
            let field = join(path, key);
            if key.contains(INVALID_UTF8_MARK) {
                return Err(invalid(&field));
            }
            check_utf8(item, &field)
        }),
        _ => Ok(()),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A field that is present but has the wrong type or shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub(crate) field: String,
    pub(crate) reason: String,
}

impl FieldError {
    pub(crate) fn new(field: &str, reason: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn at(self, index: usize, line: Option<usize>) -> RecordError {
        RecordError {
            index,
            line,
            field: self.field,
            reason: self.reason,
        }
    }
}

/// Typed, path-aware access to one JSON object. Missing and `null` fields read as `None`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

/// Owns the dotted path of a nested object so that [`Obj`] can borrow it.
#[derive(Debug)]
pub(crate) struct Nested<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Nested<'a> {
    pub(crate) fn obj(&self) -> Obj<'_> {
        Obj {
            map: self.map,
            path: &self.path,
        }
    }
}

impl<'a> Obj<'a> {
    pub(crate) fn new(value: &'a Value, path: &'a str) -> Result<Self, FieldError> {
        match value {
            Value::Object(map) => Ok(Self { map, path }),
            other => Err(FieldError::new(
                path,
                format!("expected an object, found {}", kind(other)),
            )),
        }
    }

    pub(crate) fn field(&self, key: &str) -> String {
        join(self.path, key)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|value| !value.is_null())
    }

    fn wrong(&self, key: &str, expected: &str, found: &Value) -> FieldError {
        FieldError::new(
            &self.field(key),
            format!("expected {expected}, found {}", kind(found)),
        )
    }

    pub(crate) fn str(&self, key: &str) -> Result<Option<&'a str>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(self.wrong(key, "a string", other)),
        }
    }

    /// A string, or `""` when absent.
    pub(crate) fn string(&self, key: &str) -> Result<String, FieldError> {
        Ok(self.str(key)?.unwrap_or_default().to_owned())
    }

    /// An identifier given either as a string or as an integer.
    pub(crate) fn id(&self, key: &str) -> Result<Option<String>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(Value::Number(number)) if number.is_i64() || number.is_u64() => {
                Ok(Some(number.to_string()))
            }
            Some(other) => Err(self.wrong(key, "a string or integer id", other)),
        }
    }

    /// A count: an integer, an integral float, or a decimal string (proto3 JSON writes int64
    /// as a string).
    pub(crate) fn count(&self, key: &str) -> Result<Option<i64>, FieldError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let number = match value {
            Value::Number(number) => number.as_i64().or_else(|| {
                number
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
                    .map(|f| f as i64)
            }),
            Value::String(text) => text.trim().parse::<i64>().ok(),
            _ => None,
        };
        number
            .map(Some)
            .ok_or_else(|| self.wrong(key, "an integer", value))
    }

    /// A count, or 0 when absent.
    pub(crate) fn count0(&self, key: &str) -> Result<i64, FieldError> {
        Ok(self.count(key)?.unwrap_or_default())
    }

    pub(crate) fn float(&self, key: &str) -> Result<Option<f64>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(number)) => Ok(number.as_f64()),
            Some(other) => Err(self.wrong(key, "a number", other)),
        }
    }

    pub(crate) fn bool(&self, key: &str) -> Result<bool, FieldError> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(flag)) => Ok(*flag),
            Some(other) => Err(self.wrong(key, "a boolean", other)),
        }
    }

    pub(crate) fn nested(&self, key: &str) -> Result<Option<Nested<'a>>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Nested {
                map,
                path: self.field(key),
            })),
            Some(other) => Err(self.wrong(key, "an object", other)),
        }
    }

    /// An array, or an empty slice when absent.
    pub(crate) fn array(&self, key: &str) -> Result<&'a [Value], FieldError> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(self.wrong(key, "an array", other)),
        }
    }

    /// A timestamp in any of the textual forms [`time::parse`] reads, or Unix seconds.
    pub(crate) fn time(&self, key: &str) -> Result<Option<Timestamp>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(Value::String(text)) => time::parse(text).map(Some).ok_or_else(|| {
                FieldError::new(&self.field(key), format!("unreadable timestamp {text:?}"))
            }),
            Some(Value::Number(number)) => number
                .as_f64()
                .and_then(time::from_unix_seconds)
                .map(Some)
                .ok_or_else(|| FieldError::new(&self.field(key), "unix time out of range")),
            Some(other) => Err(self.wrong(key, "a timestamp", other)),
        }
    }

    /// Strings taken from `key` of each object in the array `array` (`entities.hashtags[].text`).
    pub(crate) fn strings_in(&self, array: &str, key: &str) -> Result<Vec<String>, FieldError> {
        let path = self.field(array);
        let mut found = Vec::new();
        for item in self.array(array)? {
            let item = Obj::new(item, &path)?;
            if let Some(text) = item.str(key)? {
                found.push(text.to_owned());
            }
        }
        Ok(found)
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Lowercased hashtags without their leading `#`.
pub(crate) fn hashtags(tags: impl IntoIterator<Item = String>) -> Vec<String> {
    tags.into_iter()
        .map(|tag| tag.trim_start_matches('#').to_lowercase())
        .filter(|tag| !tag.is_empty())
        .collect()
}

/// Handles without their leading `@`.
pub(crate) fn handles(names: impl IntoIterator<Item = String>) -> Vec<String> {
    names
        .into_iter()
        .map(|name| name.trim_start_matches('@').to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}
