//! The fields every policy can read (the README's "Inputs" and "The policy"), and the attributes a policy
//! declares on top of them.

use crate::expr::{Schema, Slot, Type};

/// Built-in `customer.*` fields and their types.
pub const CUSTOMER: [(&str, Type); 14] = [
    ("customer.id", Type::String),
    ("customer.orders", Type::Number),
    ("customer.total_spend", Type::Number),
    ("customer.avg_order_value", Type::Number),
    ("customer.first_order", Type::Date),
    ("customer.last_order", Type::Date),
    ("customer.tenure_days", Type::Number),
    ("customer.recency_days", Type::Number),
    ("customer.refunds", Type::Number),
    ("customer.gestures_12m", Type::Number),
    ("customer.goodwill_12m", Type::Number),
    ("customer.future_value", Type::Number),
    ("customer.p_alive", Type::Number),
    ("customer.known", Type::Bool),
];

/// Built-in `incident.*` fields and their types.
pub const INCIDENT: [(&str, Type); 8] = [
    ("incident.case_id", Type::String),
    ("incident.customer_id", Type::String),
    ("incident.kind", Type::String),
    ("incident.date", Type::Date),
    ("incident.loss", Type::Number),
    ("incident.order_value", Type::Number),
    ("incident.severity", Type::Number),
    ("incident.channel", Type::String),
];

/// Where each field of [`CUSTOMER`] is, in it and in [`Fields::customer`].
pub mod customer {
    pub const ID: usize = 0;
    pub const ORDERS: usize = 1;
    pub const TOTAL_SPEND: usize = 2;
    pub const AVG_ORDER_VALUE: usize = 3;
    pub const FIRST_ORDER: usize = 4;
    pub const LAST_ORDER: usize = 5;
    pub const TENURE_DAYS: usize = 6;
    pub const RECENCY_DAYS: usize = 7;
    pub const REFUNDS: usize = 8;
    pub const GESTURES_12M: usize = 9;
    pub const GOODWILL_12M: usize = 10;
    pub const FUTURE_VALUE: usize = 11;
    pub const P_ALIVE: usize = 12;
    pub const KNOWN: usize = 13;
}

/// Where each field of [`INCIDENT`] is, in it and in [`Fields::incident`].
pub mod incident {
    pub const CASE_ID: usize = 0;
    pub const CUSTOMER_ID: usize = 1;
    pub const KIND: usize = 2;
    pub const DATE: usize = 3;
    pub const LOSS: usize = 4;
    pub const ORDER_VALUE: usize = 5;
    pub const SEVERITY: usize = 6;
    pub const CHANNEL: usize = 7;
}

/// The slots of the built-in fields in a policy's schema, so that a case is
/// bound by index rather than by name.
#[derive(Clone, Debug)]
pub struct Fields {
    /// `customer.*`, in the order of [`CUSTOMER`].
    pub customer: [Slot; 14],
    /// `incident.*`, in the order of [`INCIDENT`].
    pub incident: [Slot; 8],
}

impl Fields {
    /// Declares the built-in fields in a new schema.
    pub fn declare(schema: &mut Schema) -> Fields {
        let mut slot = |(name, ty): (&str, Type)| match schema.declare(name, ty) {
            Ok(s) => s,
            // A fresh schema cannot hold a clashing name.
            Err(_) => unreachable!("built-in field `{name}` declared twice"),
        };
        Fields {
            customer: CUSTOMER.map(&mut slot),
            incident: INCIDENT.map(&mut slot),
        }
    }
}

/// Whether a name is a built-in field.
pub fn is_builtin(name: &str) -> bool {
    CUSTOMER.iter().chain(INCIDENT.iter()).any(|(n, _)| *n == name)
}

/// Where an attribute's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// A column of the customers file.
    Customer,
    /// A column of the incident.
    Incident,
}

/// A declared attribute: `customer.tier = "string"`.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// The full field name, `customer.tier`.
    pub name: String,
    /// Customer or incident.
    pub scope: Scope,
    /// The column it is read from, `tier`.
    pub column: String,
    /// Its declared type.
    pub ty: Type,
    /// Its slot in the schema.
    pub slot: Slot,
}

/// The type names a policy may declare.
pub const TYPE_NAMES: [&str; 4] = ["string", "number", "bool", "date"];

/// The type of a declared type name.
pub fn parse_type(name: &str) -> Option<Type> {
    match name {
        "string" => Some(Type::String),
        "number" => Some(Type::Number),
        "bool" => Some(Type::Bool),
        "date" => Some(Type::Date),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each index names its own field: a field added or moved in
    /// [`CUSTOMER`] or [`INCIDENT`] would otherwise bind a case's values to
    /// the wrong names.
    #[test]
    fn each_index_is_its_fields() {
        let c = [
            (customer::ID, "id"),
            (customer::ORDERS, "orders"),
            (customer::TOTAL_SPEND, "total_spend"),
            (customer::AVG_ORDER_VALUE, "avg_order_value"),
            (customer::FIRST_ORDER, "first_order"),
            (customer::LAST_ORDER, "last_order"),
            (customer::TENURE_DAYS, "tenure_days"),
            (customer::RECENCY_DAYS, "recency_days"),
            (customer::REFUNDS, "refunds"),
            (customer::GESTURES_12M, "gestures_12m"),
            (customer::GOODWILL_12M, "goodwill_12m"),
            (customer::FUTURE_VALUE, "future_value"),
            (customer::P_ALIVE, "p_alive"),
            (customer::KNOWN, "known"),
        ];
        assert_eq!(c.len(), CUSTOMER.len());
        for (i, name) in c {
            assert_eq!(CUSTOMER[i].0, format!("customer.{name}"));
        }
        let i = [
            (incident::CASE_ID, "case_id"),
            (incident::CUSTOMER_ID, "customer_id"),
            (incident::KIND, "kind"),
            (incident::DATE, "date"),
            (incident::LOSS, "loss"),
            (incident::ORDER_VALUE, "order_value"),
            (incident::SEVERITY, "severity"),
            (incident::CHANNEL, "channel"),
        ];
        assert_eq!(i.len(), INCIDENT.len());
        for (i, name) in i {
            assert_eq!(INCIDENT[i].0, format!("incident.{name}"));
        }
        // The incidents reader's own list of these fields, in the same order.
        assert_eq!(
            INCIDENT.map(|f| f.0),
            crate::input::incidents::STANDARD.map(|n| format!("incident.{n}"))
        );
    }
}
