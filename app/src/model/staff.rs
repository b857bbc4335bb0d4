//! Staff management as the owner sees it: the team, and the audit log with its filters.

use super::AppError;
use serde::{Deserialize, Serialize};

/// One staff member on the team page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMemberView {
    pub id: i64,
    pub email: String,
    /// The role's key (`order_clerk`) and its label ("Order clerk").
    pub role: String,
    pub role_label: String,
    pub two_factor: bool,
    pub active: bool,
    /// The owner (changed only from the command line) or the viewer themself.
    pub locked: bool,
}

/// The team page: every staff member, and the roles the viewer may give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub members: Vec<StaffMemberView>,
    pub roles: Vec<(String, String)>,
}

/// The audit log's filters as the query string sends them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// Part of the email of who did it.
    pub who: String,
    /// What: an action or the start of one (`coupon.` for every coupon change).
    pub what: String,
    /// `YYYY-MM-DD`, shop days, both included.
    pub from: String,
    pub to: String,
    /// Entries older than this id (the next page).
    pub before: Option<i64>,
}

impl AuditFilter {
    /// The filter checked: each problem names its field.
    pub fn check(&self) -> Result<(), AppError> {
        if self.who.chars().count() > 254 {
            return Err(AppError::validation("who", "type at most 254 characters"));
        }
        let what_ok = self.what.len() <= 64
            && self
                .what
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.');
        if !what_ok {
            return Err(AppError::validation(
                "what",
                "an action is lower-case letters, _ and . (e.g. coupon. or staff.deactivated)",
            ));
        }
        for (field, day) in [("from", &self.from), ("to", &self.to)] {
            let parts: Vec<&str> = day.split('-').collect();
            let shaped = parts.len() == 3
                && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
                && [4, 2, 2] == [parts[0].len(), parts[1].len(), parts[2].len()];
            if !day.is_empty() && !shaped {
                return Err(AppError::validation(field, "enter a date as YYYY-MM-DD"));
            }
        }
        Ok(())
    }
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub who: String,
    pub action: String,
    pub ip: String,
    /// The entry's details as compact JSON.
    pub details: String,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub next: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::AuditFilter;

    #[test]
    fn filters_are_checked_before_any_query() {
        let f = |who: &str, what: &str, from: &str| AuditFilter {
            who: who.into(),
            what: what.into(),
            from: from.into(),
            ..Default::default()
        };
        assert!(f("owner@", "coupon.", "2026-12-01").check().is_ok());
        assert!(f("", "", "").check().is_ok());
        assert!(f("", "DROP TABLE", "").check().is_err());
        assert!(f("", "", "1 Dec").check().is_err());
    }
}
