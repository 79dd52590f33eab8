//! The declared fields: what an expression may reference, with which type,
//! and where its value sits in [`Values`](super::Values).

use std::collections::HashMap;

use super::types::{Slot, Storage, Type};

/// The roots a field name may start with.
pub(crate) const ROOTS: [&str; 2] = ["customer", "incident"];

/// Words the CEL grammar never accepts after a `.`, so a field so named could
/// never be referenced.
const KEYWORDS: [&str; 4] = ["in", "true", "false", "null"];

/// Why a field declaration or a type name was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The same field declared twice with different types.
    #[error("field `{name}` is declared as {first} and as {second}")]
    TypeConflict {
        /// The field.
        name: String,
        /// The type it was first declared with.
        first: Type,
        /// The conflicting type.
        second: Type,
    },
    /// A name an expression could not spell as `customer.<name>` or `incident.<name>`.
    #[error(
        "invalid field name `{name}`: fields are `customer.<name>` or `incident.<name>`, \
         the name made of ASCII letters, digits and `_`, not starting with a digit"
    )]
    InvalidName {
        /// The refused name.
        name: String,
    },
    /// A name the expression grammar reserves (`in`, `true`, `false`, `null`).
    #[error("invalid field name `{name}`: `{word}` is a reserved word in expressions")]
    ReservedName {
        /// The refused name.
        name: String,
        /// The reserved word after the root.
        word: String,
    },
    /// A type name other than `number`, `string`, `bool` or `date`.
    #[error("unknown type `{name}` ({})", type_help(.suggestion.as_deref()))]
    UnknownType {
        /// The name as written.
        name: String,
        /// The closest type name, if any is close.
        suggestion: Option<String>,
    },
}

fn type_help(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(name) => format!("did you mean `{name}`?"),
        None => "types are `number`, `string`, `bool` and `date`".to_string(),
    }
}

/// The declared fields, each with its type and slot.
///
/// Built once when a policy loads; expressions compiled against it resolve
/// field names to slots so that evaluation never looks a name up.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// Declaration order, which [`Schema::fields`] keeps.
    fields: Vec<(String, Type, Slot)>,
    index: HashMap<String, usize>,
    numbers: u32,
    strings: u32,
    bools: u32,
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares `name` (like `customer.orders`) with type `ty` and returns its slot.
    ///
    /// Declaring the same name with the same type again returns the same slot,
    /// so built-in and policy-declared fields can overlap harmlessly.
    pub fn declare(&mut self, name: &str, ty: Type) -> Result<Slot, SchemaError> {
        if let Some(&i) = self.index.get(name) {
            let (_, first, slot) = self.fields[i];
            return if first == ty {
                Ok(slot)
            } else {
                Err(SchemaError::TypeConflict {
                    name: name.to_string(),
                    first,
                    second: ty,
                })
            };
        }
        validate_name(name)?;
        let counter = match ty.storage() {
            Storage::Numbers => &mut self.numbers,
            Storage::Strings => &mut self.strings,
            Storage::Bools => &mut self.bools,
        };
        let slot = Slot(*counter);
        *counter += 1;
        self.index.insert(name.to_string(), self.fields.len());
        self.fields.push((name.to_string(), ty, slot));
        Ok(slot)
    }

    /// The type and slot of a declared field.
    pub fn lookup(&self, name: &str) -> Option<(Type, Slot)> {
        self.index.get(name).map(|&i| {
            let (_, ty, slot) = self.fields[i];
            (ty, slot)
        })
    }

    /// Every declared field, in declaration order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, Type, Slot)> {
        self.fields.iter().map(|(name, ty, slot)| (name.as_str(), *ty, *slot))
    }

    /// How many fields are declared with type `ty`.
    pub fn count(&self, ty: Type) -> usize {
        self.fields.iter().filter(|(_, t, _)| *t == ty).count()
    }

    /// The length each [`Values`](super::Values) vector needs.
    pub(crate) fn storage_len(&self, storage: Storage) -> usize {
        let n = match storage {
            Storage::Numbers => self.numbers,
            Storage::Strings => self.strings,
            Storage::Bools => self.bools,
        };
        n as usize
    }
}

fn validate_name(name: &str) -> Result<(), SchemaError> {
    let invalid = || SchemaError::InvalidName { name: name.to_string() };
    let (root, rest) = name.split_once('.').ok_or_else(invalid)?;
    let is_ident = rest.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ROOTS.contains(&root) || !is_ident {
        return Err(invalid());
    }
    if KEYWORDS.contains(&rest) {
        return Err(SchemaError::ReservedName {
            name: name.to_string(),
            word: rest.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_numbered_per_storage() {
        let mut schema = Schema::new();
        assert_eq!(schema.declare("customer.orders", Type::Number), Ok(Slot(0)));
        assert_eq!(schema.declare("incident.kind", Type::String), Ok(Slot(0)));
        // dates live among the numbers
        assert_eq!(schema.declare("incident.date", Type::Date), Ok(Slot(1)));
        assert_eq!(schema.declare("customer.known", Type::Bool), Ok(Slot(0)));
        assert_eq!(schema.declare("incident.loss", Type::Number), Ok(Slot(2)));
        assert_eq!(schema.storage_len(Storage::Numbers), 3);
        assert_eq!(schema.storage_len(Storage::Strings), 1);
        assert_eq!(schema.storage_len(Storage::Bools), 1);
        assert_eq!(schema.count(Type::Number), 2);
        assert_eq!(schema.count(Type::Date), 1);
    }

    #[test]
    fn redeclaring_with_the_same_type_returns_the_same_slot() {
        let mut schema = Schema::new();
        let first = schema.declare("customer.tier", Type::String);
        assert_eq!(schema.declare("customer.tier", Type::String), first);
        assert_eq!(schema.fields().count(), 1);
    }

    #[test]
    fn redeclaring_with_another_type_is_an_error() {
        let mut schema = Schema::new();
        schema.declare("customer.tier", Type::String).unwrap();
        let err = schema.declare("customer.tier", Type::Number).unwrap_err();
        assert_eq!(
            err.to_string(),
            "field `customer.tier` is declared as string and as number"
        );
        assert_eq!(schema.lookup("customer.tier"), Some((Type::String, Slot(0))));
    }

    #[test]
    fn lookup_and_fields_report_declarations_in_order() {
        let mut schema = Schema::new();
        schema.declare("incident.loss", Type::Number).unwrap();
        schema.declare("customer.known", Type::Bool).unwrap();
        assert_eq!(schema.lookup("incident.loss"), Some((Type::Number, Slot(0))));
        assert_eq!(schema.lookup("incident.kind"), None);
        let fields: Vec<_> = schema.fields().collect();
        assert_eq!(
            fields,
            [
                ("incident.loss", Type::Number, Slot(0)),
                ("customer.known", Type::Bool, Slot(0))
            ]
        );
    }

    #[test]
    fn names_must_be_reachable_from_an_expression() {
        let mut schema = Schema::new();
        for bad in [
            "orders",
            "order.total",
            "customer.",
            "customer.order-value",
            "customer.2nd",
            "customer.a.b",
            "incident.é",
        ] {
            let err = schema.declare(bad, Type::Number).unwrap_err();
            assert!(matches!(err, SchemaError::InvalidName { .. }), "{bad}: {err}");
        }
        let err = schema.declare("incident.in", Type::Bool).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid field name `incident.in`: `in` is a reserved word in expressions"
        );
        assert!(schema.declare("incident._x9", Type::Bool).is_ok());
    }
}
