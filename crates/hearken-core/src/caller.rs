//! Who is calling: the name of the token that authenticated a request and the departments it
//! may see. The server's authentication puts one in each request; services that show mentions
//! of one department (inboxes, exports) consult it. No caller means authentication is off.

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name, for logs, audit trails and rate limits; never the secret.
    pub name: String,
    /// The departments whose inboxes and exports the caller may see; `None` for every one.
    pub departments: Option<Vec<String>>,
}

impl Caller {
    /// Whether the caller may see what belongs to `department`.
    pub fn may_see(&self, department: &str) -> bool {
        self.departments
            .as_ref()
            .is_none_or(|allowed| allowed.iter().any(|d| d == department))
    }

    /// The departments as a readable list, for refusals.
    pub fn describe_departments(&self) -> String {
        match &self.departments {
            None => "every department".to_owned(),
            Some(allowed) => allowed.join(", "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_department_list_limits_what_is_seen() {
        let support = Caller {
            name: "support".into(),
            departments: Some(vec!["customer_service".into()]),
        };
        assert!(support.may_see("customer_service"));
        assert!(!support.may_see("pr"));
        let admin = Caller {
            name: "admin".into(),
            departments: None,
        };
        assert!(admin.may_see("pr"));
    }
}
