//! The four value types of the language and the slots that locate a field's
//! value at run time.

use std::fmt;
use std::str::FromStr;

use super::schema::SchemaError;
use crate::suggest::did_you_mean;

/// The type of a field or an expression.
///
/// CEL's `int`, `uint` and `double` are all [`Type::Number`] (an `f64`), so
/// `customer.orders >= 2` and `incident.loss * 1.5` need no conversions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// A number, held as an `f64`.
    Number,
    /// A UTF-8 string.
    String,
    /// A boolean; the type of conditions.
    Bool,
    /// A calendar date, held as days since 1970-01-01 among the numbers.
    Date,
}

impl Type {
    /// Every type, in the order of their names in messages.
    pub const ALL: [Type; 4] = [Type::Number, Type::String, Type::Bool, Type::Date];

    /// The name users write in a policy (`"number"`, `"string"`, `"bool"`, `"date"`).
    pub fn name(self) -> &'static str {
        match self {
            Type::Number => "number",
            Type::String => "string",
            Type::Bool => "bool",
            Type::Date => "date",
        }
    }

    /// What a field of this type reads as when a case does not have it.
    pub fn empty_value(self) -> &'static str {
        match self {
            Type::Number => "0",
            Type::String => "\"\"",
            Type::Bool => "false",
            Type::Date => "date(\"1970-01-01\")",
        }
    }

    /// The name with an article, as messages use it: "a number", "a bool".
    pub(crate) fn a(self) -> &'static str {
        match self {
            Type::Number => "a number",
            Type::String => "a string",
            Type::Bool => "a bool",
            Type::Date => "a date",
        }
    }

    /// Which of the [`Values`](super::Values) vectors holds fields of this type.
    pub(crate) fn storage(self) -> Storage {
        match self {
            Type::Number | Type::Date => Storage::Numbers,
            Type::String => Storage::Strings,
            Type::Bool => Storage::Bools,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Type {
    type Err = SchemaError;

    /// Parses a type name as written in a policy's `[attributes]` table.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Type::ALL
            .into_iter()
            .find(|ty| ty.name() == s)
            .ok_or_else(|| SchemaError::UnknownType {
                name: s.to_string(),
                suggestion: did_you_mean(s, Type::ALL.iter().map(|ty| ty.name())).map(str::to_string),
            })
    }
}

/// The index of a field's value in the [`Values`](super::Values) vector of
/// its type (dates share the numbers vector).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(pub u32);

/// The three vectors of [`Values`](super::Values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Storage {
    Numbers,
    Strings,
    Bools,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_display_as_users_write_them() {
        let names: Vec<String> = Type::ALL.iter().map(Type::to_string).collect();
        assert_eq!(names, ["number", "string", "bool", "date"]);
    }

    #[test]
    fn type_names_parse_back() {
        for ty in Type::ALL {
            assert_eq!(ty.name().parse::<Type>().ok(), Some(ty));
        }
    }

    #[test]
    fn a_misspelt_type_name_gets_a_suggestion() {
        let err = "strng".parse::<Type>().unwrap_err();
        assert_eq!(err.to_string(), "unknown type `strng` (did you mean `string`?)");
        let err = "integer".parse::<Type>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown type `integer` (types are `number`, `string`, `bool` and `date`)"
        );
    }
}
