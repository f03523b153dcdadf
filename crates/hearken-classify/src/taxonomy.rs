//! The department and intent taxonomy: configuration, not code.
//!
//! An organisation describes its departments (id, name, description, keywords, example posts)
//! and the intents it cares about in a TOML file; `hearken train` turns it and labelled
//! examples into a model. The default taxonomy ships in the crate (`data/taxonomy.toml`).

use serde::{Deserialize, Serialize};

/// The taxonomy shipped with Hearken: seven departments and nine intents.
pub const DEFAULT_TAXONOMY_TOML: &str = include_str!("../data/taxonomy.toml");

/// Urgency weight of an intent whose taxonomy entry does not set one.
pub const DEFAULT_INTENT_URGENCY: f64 = 0.2;

/// Departments and intents, validated: ids are unique, non-empty snake_case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Taxonomy {
    /// Departments a mention can concern; a mention may concern several or none.
    pub departments: Vec<Department>,
    /// What the speaker wants; every mention has exactly one.
    pub intents: Vec<IntentDef>,
}

/// One department of the organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Stable identifier used in outputs and examples, e.g. `customer_service`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// What the department handles, for people reading the taxonomy.
    #[serde(default)]
    pub description: String,
    /// Words and phrases typical of the department; they become short training examples.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Example posts; they become training examples labelled with this department only.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// One intent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentDef {
    /// Stable identifier, e.g. `complaint`.
    pub id: String,
    /// Human-readable name.
    #[serde(default)]
    pub name: String,
    /// What the intent means, for people labelling examples.
    #[serde(default)]
    pub description: String,
    /// How much this intent alone calls for action, in `0..=1` (see [`crate::urgency`]).
    #[serde(default = "default_urgency")]
    pub urgency: f64,
}

fn default_urgency() -> f64 {
    DEFAULT_INTENT_URGENCY
}

/// Why a taxonomy file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    /// The file is not valid TOML or does not have the taxonomy's shape.
    #[error("taxonomy is not valid: {0}")]
    Parse(#[from] toml::de::Error),
    /// An entry breaks a rule; `entry` is e.g. `departments[2]`.
    #[error("taxonomy {entry}: field `{field}` {reason}")]
    Invalid {
        /// The offending entry, e.g. `departments[2]` or `intents`.
        entry: String,
        /// The offending field.
        field: String,
        /// Why it is rejected.
        reason: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    #[serde(default)]
    departments: Vec<Department>,
    #[serde(default)]
    intents: Vec<IntentDef>,
}

impl Taxonomy {
    /// The shipped default taxonomy.
    pub fn default_taxonomy() -> Self {
        // The file is part of the crate and a unit test parses it, so this cannot fail at
        // run time unless the build itself is broken.
        #[allow(clippy::expect_used)]
        Self::from_toml(DEFAULT_TAXONOMY_TOML).expect("the shipped taxonomy is valid")
    }

    /// Parses and validates a taxonomy file's content.
    pub fn from_toml(text: &str) -> Result<Self, TaxonomyError> {
        let file: TaxonomyFile = toml::from_str(text)?;
        let taxonomy = Taxonomy {
            departments: file.departments,
            intents: file.intents,
        };
        taxonomy.validate()?;
        Ok(taxonomy)
    }

    /// Checks ids, names and urgency weights; the model relies on unique ids.
    pub fn validate(&self) -> Result<(), TaxonomyError> {
        if self.departments.is_empty() {
            return Err(invalid(
                "departments",
                "id",
                "must list at least one department",
            ));
        }
        if self.intents.is_empty() {
            return Err(invalid("intents", "id", "must list at least one intent"));
        }
        let dept_ids = self.departments.iter().map(|d| d.id.as_str());
        check_ids("departments", dept_ids)?;
        check_ids("intents", self.intents.iter().map(|i| i.id.as_str()))?;
        for (n, dept) in self.departments.iter().enumerate() {
            if dept.name.trim().is_empty() {
                return Err(invalid(
                    &format!("departments[{n}]"),
                    "name",
                    "must not be empty",
                ));
            }
        }
        for (n, intent) in self.intents.iter().enumerate() {
            if !(0.0..=1.0).contains(&intent.urgency) {
                return Err(invalid(
                    &format!("intents[{n}]"),
                    "urgency",
                    &format!("must be between 0 and 1, not {}", intent.urgency),
                ));
            }
        }
        Ok(())
    }

    /// Department ids in taxonomy order: the model's department classes.
    pub fn department_ids(&self) -> Vec<String> {
        self.departments.iter().map(|d| d.id.clone()).collect()
    }

    /// Intent ids in taxonomy order: the model's intent classes.
    pub fn intent_ids(&self) -> Vec<String> {
        self.intents.iter().map(|i| i.id.clone()).collect()
    }

    /// Urgency weight of `intent`, or the default for an intent the taxonomy does not know.
    pub fn intent_urgency(&self, intent: &str) -> f64 {
        self.intents
            .iter()
            .find(|i| i.id == intent)
            .map_or(DEFAULT_INTENT_URGENCY, |i| i.urgency)
    }
}

fn invalid(entry: &str, field: &str, reason: &str) -> TaxonomyError {
    TaxonomyError::Invalid {
        entry: entry.to_owned(),
        field: field.to_owned(),
        reason: reason.to_owned(),
    }
}

fn check_ids<'a>(list: &str, ids: impl Iterator<Item = &'a str>) -> Result<(), TaxonomyError> {
    let mut seen = std::collections::HashSet::new();
    for (n, id) in ids.enumerate() {
        let entry = format!("{list}[{n}]");
        if let Err(reason) = check_id(id) {
            return Err(invalid(&entry, "id", &reason));
        }
        if !seen.insert(id) {
            return Err(invalid(&entry, "id", &format!("repeats {id:?}")));
        }
    }
    Ok(())
}

/// Ids are lowercase snake_case so that they read the same in TOML, JSON and URLs.
pub(crate) fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if id.len() > 64 {
        return Err(format!("must be at most 64 characters, not {}", id.len()));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!("{id:?} must use only a-z, 0-9 and _"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_taxonomy_has_the_seven_departments_and_nine_intents() {
        let t = Taxonomy::default_taxonomy();
        assert_eq!(
            t.department_ids(),
            [
                "customer_service",
                "marketing",
                "pr",
                "hr",
                "sales",
                "finance",
                "product_engineering"
            ]
        );
        assert_eq!(
            t.intent_ids(),
            [
                "complaint",
                "question",
                "praise",
                "suggestion",
                "purchase_intent",
                "job_inquiry",
                "press_inquiry",
                "risk_crisis",
                "other"
            ]
        );
    }

    #[test]
    fn errors_name_the_entry_and_field() {
        let text = "[[departments]]\nid = \"a\"\nname = \"A\"\n[[departments]]\nid = \"Bad Id\"\nname = \"B\"\n[[intents]]\nid = \"x\"\n";
        let err = Taxonomy::from_toml(text).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("taxonomy departments[1]: field `id` \"Bad Id\" must use only a-z, 0-9 and _")
        );
        let dup = "[[departments]]\nid = \"a\"\nname = \"A\"\n[[intents]]\nid = \"x\"\n[[intents]]\nid = \"x\"\n";
        let err = Taxonomy::from_toml(dup).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("taxonomy intents[1]: field `id` repeats \"x\"")
        );
        let urgency =
            "[[departments]]\nid = \"a\"\nname = \"A\"\n[[intents]]\nid = \"x\"\nurgency = 2.0\n";
        assert!(matches!(
            Taxonomy::from_toml(urgency),
            Err(TaxonomyError::Invalid { ref field, .. }) if field == "urgency"
        ));
        let unknown = "[[departments]]\nid = \"a\"\nname = \"A\"\ncolour = 1\n";
        let err = Taxonomy::from_toml(unknown)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("colour"), "{err}");
    }
}
