//! Attribute paths: where in a value a diagnostic or a decoding error points.

use std::fmt;

/// One step of an [`AttributePath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// An attribute of an object (or a nested block type).
    Attribute(String),
    /// An element of a map (by key).
    Key(String),
    /// An element of a list or tuple (by index).
    Index(i64),
}

/// A path from the root of a resource, data source or provider value to one of its parts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AttributePath {
    pub steps: Vec<PathStep>,
}

impl AttributePath {
    /// The empty path: the value as a whole.
    pub fn root() -> Self {
        Self::default()
    }

    /// A path to a top-level attribute.
    pub fn attr(name: impl Into<String>) -> Self {
        Self::root().join_attr(name)
    }

    /// This path followed by an attribute step.
    pub fn join_attr(&self, name: impl Into<String>) -> Self {
        self.join(PathStep::Attribute(name.into()))
    }

    /// This path followed by a map-key step.
    pub fn join_key(&self, key: impl Into<String>) -> Self {
        self.join(PathStep::Key(key.into()))
    }

    /// This path followed by an index step.
    pub fn join_index(&self, index: i64) -> Self {
        self.join(PathStep::Index(index))
    }

    pub fn join(&self, step: PathStep) -> Self {
        let mut steps = self.steps.clone();
        steps.push(step);
        Self { steps }
    }

    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Renders the path the way Terraform writes it: `properties["OWNER"]`, `timeouts.create`, `rules[0]`.
impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => write!(f, "{name}")?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_terraform() {
        let p = AttributePath::attr("properties").join_key("OWNER");
        assert_eq!(p.to_string(), r#"properties["OWNER"]"#);
        let p = AttributePath::attr("timeouts").join_attr("create");
        assert_eq!(p.to_string(), "timeouts.create");
        assert_eq!(
            AttributePath::attr("rules").join_index(2).to_string(),
            "rules[2]"
        );
    }
}
