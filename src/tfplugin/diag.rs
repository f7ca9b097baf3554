//! Diagnostics: the errors and warnings every operation reports back to Terraform, optionally
//! pointing at an attribute.

use std::fmt;

use super::path::{AttributePath, PathStep};
use super::proto;
use super::value::ValueError;

/// How serious a [`Diagnostic`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One error or warning, as Terraform shows it: a one-line summary, a longer detail, and
/// optionally the attribute it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub attribute: Option<AttributePath>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            attribute: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(summary, detail)
        }
    }

    /// The same diagnostic, pointing at `path`.
    pub fn with_attribute(mut self, path: AttributePath) -> Self {
        self.attribute = Some(path);
        self
    }

    /// The same diagnostic, pointing at `path` unless it is the root (the value as a whole).
    pub fn at(self, path: AttributePath) -> Self {
        if path.is_root() {
            self
        } else {
            self.with_attribute(path)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub(crate) fn into_proto(self) -> proto::Diagnostic {
        let severity = match self.severity {
            Severity::Error => proto::diagnostic::Severity::Error,
            Severity::Warning => proto::diagnostic::Severity::Warning,
        };
        proto::Diagnostic {
            severity: severity as i32,
            summary: self.summary,
            detail: self.detail,
            attribute: self.attribute.as_ref().map(path_to_proto),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.attribute {
            write!(f, "{path}: ")?;
        }
        write!(f, "{}", self.summary)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// A value that failed to decode: an error at the place it failed.
impl From<ValueError> for Diagnostic {
    fn from(err: ValueError) -> Self {
        Diagnostic::error("Invalid value", err.message).at(err.path)
    }
}

/// An ordered collection of diagnostics; what hooks return as their error (`?` works with a
/// single [`Diagnostic`] or anything convertible into one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diag: impl Into<Diagnostic>) {
        self.0.push(diag.into());
    }

    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail));
    }

    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::warning(summary, detail));
    }

    pub fn attribute_error(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic::error(summary, detail).with_attribute(path));
    }

    pub fn attribute_warning(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic::warning(summary, detail).with_attribute(path));
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// The same diagnostics for a value nested at `parent` (each path, or none, under it).
    pub fn within(self, parent: &AttributePath) -> Self {
        self.into_iter()
            .map(|mut d| {
                let steps = d.attribute.take().map(|p| p.steps).unwrap_or_default();
                let path = steps.into_iter().fold(parent.clone(), |p, s| p.join(s));
                d.at(path)
            })
            .collect()
    }

    /// The errors alone (warnings dropped), e.g. when checks already reported once run again.
    pub fn errors_only(self) -> Self {
        self.into_iter().filter(Diagnostic::is_error).collect()
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    pub(crate) fn into_proto(self) -> Vec<proto::Diagnostic> {
        self.0.into_iter().map(Diagnostic::into_proto).collect()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diag: Diagnostic) -> Self {
        Self(vec![diag])
    }
}

impl From<ValueError> for Diagnostics {
    fn from(err: ValueError) -> Self {
        Diagnostic::from(err).into()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Our path as protocol steps.
pub fn path_to_proto(path: &AttributePath) -> proto::AttributePath {
    use proto::attribute_path::{step::Selector, Step};
    let steps = path
        .steps
        .iter()
        .map(|step| Step {
            selector: Some(match step {
                PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                PathStep::Index(index) => Selector::ElementKeyInt(*index),
            }),
        })
        .collect();
    proto::AttributePath { steps }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_reach_the_wire_step_by_step() {
        use proto::attribute_path::step::Selector;
        let path = AttributePath::attr("rules").join_index(3).join_key("OWNER");
        let steps: Vec<_> = path_to_proto(&path)
            .steps
            .into_iter()
            .map(|s| s.selector)
            .collect();
        assert_eq!(
            steps,
            [
                Some(Selector::AttributeName("rules".into())),
                Some(Selector::ElementKeyInt(3)),
                Some(Selector::ElementKeyString("OWNER".into())),
            ]
        );
    }

    #[test]
    fn severity_and_attribute_reach_the_wire() {
        let mut diags = Diagnostics::new();
        diags.attribute_error(
            AttributePath::attr("owner"),
            "Bad owner",
            "\"x\" is not an ARN",
        );
        diags.warning("Deprecated", "use owner");
        assert!(diags.has_errors());
        let wire = diags.into_proto();
        assert_eq!(wire[0].severity, proto::diagnostic::Severity::Error as i32);
        assert_eq!(
            wire[1].severity,
            proto::diagnostic::Severity::Warning as i32
        );
        let step = &wire[0].attribute.as_ref().unwrap().steps[0];
        assert_eq!(
            step.selector,
            Some(proto::attribute_path::step::Selector::AttributeName(
                "owner".into()
            ))
        );
        assert!(wire[1].attribute.is_none());
    }

    #[test]
    fn value_errors_keep_their_path() {
        let err = ValueError::new(
            &AttributePath::attr("tags").join_key("a"),
            "expected a string",
        );
        let diag = Diagnostic::from(err);
        assert!(diag.is_error());
        assert_eq!(diag.attribute.unwrap().to_string(), r#"tags["a"]"#);
        assert_eq!(diag.detail, "expected a string");
    }
}
