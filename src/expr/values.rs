//! The run-time input of an evaluation: one vector per storage type, indexed
//! by the slots the [`Schema`] handed out.

use chrono::NaiveDate;

use super::dates::days_from_date;
use super::schema::Schema;
use super::types::{Slot, Storage};

/// The values of the declared fields for one case.
///
/// Dates are stored among the numbers as days since 1970-01-01. A batch
/// reuses one `Values` for every row: the setters overwrite in place and
/// [`Values::set_string`] reuses the string's buffer, so a row costs no
/// allocation once the buffers have grown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Values {
    /// Number and date fields, by slot.
    pub numbers: Vec<f64>,
    /// String fields, by slot.
    pub strings: Vec<String>,
    /// Bool fields, by slot.
    pub bools: Vec<bool>,
}

impl Values {
    /// Values for every field of `schema`, each its type's zero value
    /// (`0`, `""`, `false`, 1970-01-01).
    pub fn new(schema: &Schema) -> Self {
        Self {
            numbers: vec![0.0; schema.storage_len(Storage::Numbers)],
            strings: vec![String::new(); schema.storage_len(Storage::Strings)],
            bools: vec![false; schema.storage_len(Storage::Bools)],
        }
    }

    /// Sets a number field.
    ///
    /// # Panics
    /// If `slot` is not a number or date slot of the schema these values were made for.
    pub fn set_number(&mut self, slot: Slot, value: f64) {
        self.numbers[slot.0 as usize] = value;
    }

    /// Sets a date field.
    ///
    /// # Panics
    /// If `slot` is not a number or date slot of the schema these values were made for.
    pub fn set_date(&mut self, slot: Slot, date: NaiveDate) {
        self.set_number(slot, days_from_date(date));
    }

    /// Sets a string field, reusing its buffer.
    ///
    /// # Panics
    /// If `slot` is not a string slot of the schema these values were made for.
    pub fn set_string(&mut self, slot: Slot, value: &str) {
        let s = &mut self.strings[slot.0 as usize];
        s.clear();
        s.push_str(value);
    }

    /// Sets a bool field.
    ///
    /// # Panics
    /// If `slot` is not a bool slot of the schema these values were made for.
    pub fn set_bool(&mut self, slot: Slot, value: bool) {
        self.bools[slot.0 as usize] = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Type;

    #[test]
    fn new_values_hold_zero_values_for_every_slot() {
        let mut schema = Schema::new();
        schema.declare("customer.orders", Type::Number).unwrap();
        schema.declare("customer.first_order", Type::Date).unwrap();
        schema.declare("customer.tier", Type::String).unwrap();
        schema.declare("customer.known", Type::Bool).unwrap();
        let values = Values::new(&schema);
        assert_eq!(values.numbers, [0.0, 0.0]);
        assert_eq!(values.strings, [""]);
        assert_eq!(values.bools, [false]);
    }

    #[test]
    fn setters_write_the_slot() {
        let mut schema = Schema::new();
        let n = schema.declare("customer.orders", Type::Number).unwrap();
        let d = schema.declare("customer.first_order", Type::Date).unwrap();
        let s = schema.declare("customer.tier", Type::String).unwrap();
        let b = schema.declare("customer.known", Type::Bool).unwrap();
        let mut values = Values::new(&schema);
        values.set_number(n, 4.0);
        values.set_date(d, NaiveDate::from_ymd_opt(1970, 1, 11).unwrap());
        values.set_string(s, "gold");
        values.set_bool(b, true);
        assert_eq!(values.numbers, [4.0, 10.0]);
        assert_eq!(values.strings, ["gold"]);
        assert_eq!(values.bools, [true]);
    }

    #[test]
    fn set_string_reuses_the_buffer() {
        let mut schema = Schema::new();
        let s = schema.declare("customer.tier", Type::String).unwrap();
        let mut values = Values::new(&schema);
        values.set_string(s, "platinum-and-more");
        let ptr = values.strings[0].as_ptr();
        values.set_string(s, "gold");
        assert_eq!(values.strings[0], "gold");
        assert_eq!(values.strings[0].as_ptr(), ptr);
    }
}
