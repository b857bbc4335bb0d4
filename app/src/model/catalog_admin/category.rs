//! The category tree as staff edit it.

use crate::model::{is_slug, AppError};
use serde::{Deserialize, Serialize};

/// One category in the admin's tree, in tree order with its depth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminCategory {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub form: CategoryForm,
    /// Products filed directly under it.
    pub products: i64,
    /// Its picture's thumbnail address, if it has one.
    pub image: Option<String>,
}

/// A category's fields as the form sends them (`category[name]`...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CategoryForm {
    pub name: String,
    /// Empty: made from the name.
    pub slug: String,
    pub description: String,
    /// Empty: a top-level category.
    pub parent: String,
    /// Order among its siblings, lowest first.
    pub position: i32,
}

impl CategoryForm {
    /// Every field checked (the database's rules); the parent as an id.
    pub fn check(&self) -> Result<Option<i64>, AppError> {
        if self.name.trim().is_empty() || self.name.chars().count() > 120 {
            return Err(AppError::validation(
                "name",
                "a name of 1 to 120 characters",
            ));
        }
        if !is_slug(&self.slug) {
            return Err(AppError::validation(
                "slug",
                "lowercase letters, digits and single hyphens, at most 120 characters",
            ));
        }
        if self.description.chars().count() > 5_000 {
            return Err(AppError::validation(
                "description",
                "at most 5,000 characters",
            ));
        }
        if !(0..=100_000).contains(&self.position) {
            return Err(AppError::validation(
                "position",
                "a position from 0 to 100000",
            ));
        }
        match self.parent.trim() {
            "" => Ok(None),
            id => id
                .parse()
                .map(Some)
                .map_err(|_| AppError::validation("parent", "choose a parent from the list")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_fields() {
        let mut form = CategoryForm {
            name: "Pantry".into(),
            slug: "pantry".into(),
            ..Default::default()
        };
        assert_eq!(form.check(), Ok(None));
        form.parent = "12".into();
        assert_eq!(form.check(), Ok(Some(12)));
        form.parent = "x".into();
        assert!(form.check().is_err());
        form.parent = String::new();
        form.slug = "Pantry".into();
        assert!(form.check().is_err());
    }
}
