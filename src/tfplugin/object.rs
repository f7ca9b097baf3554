//! Reading and writing single attributes of object values, for tests and codecs; resources use
//! models.

use super::value::Value;

/// Attribute access on object values. On a non-object value, setters do nothing and getters
/// return `None`.
pub trait ObjectExt {
    /// Sets attribute `name` (inserting it if absent).
    fn set_attr(&mut self, name: &str, value: impl Into<Value>);

    /// The same object with attribute `name` set.
    fn with_attr(self, name: &str, value: impl Into<Value>) -> Self;

    /// The attribute as a string, if it is a known string.
    fn str_attr(&self, name: &str) -> Option<&str>;
}

impl ObjectExt for Value {
    fn set_attr(&mut self, name: &str, value: impl Into<Value>) {
        if let Value::Object(fields) = self {
            fields.insert(name.to_string(), value.into());
        }
    }

    fn with_attr(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.set_attr(name, value);
        self
    }

    fn str_attr(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_and_reads_attributes_of_objects_only() {
        let obj = Value::Object(Default::default())
            .with_attr("owner", Value::String("arn:aws:iam::1:user/a".into()));
        assert_eq!(obj.str_attr("owner"), Some("arn:aws:iam::1:user/a"));
        assert_eq!(obj.str_attr("launch_role"), None);
        let mut not_obj = Value::Null;
        not_obj.set_attr("owner", Value::Null);
        assert_eq!(not_obj, Value::Null);
    }
}
