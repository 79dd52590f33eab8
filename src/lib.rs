//! goodwill: a loyalty and compensation calculator.
//!
//! A customer had a problem: a coupon refused as expired, a failed payment
//! that cancelled a subscription, a late or broken order. goodwill reads the
//! customer's purchase history and the incident, applies a policy of goodwill
//! gestures, and recommends the remedy with its estimated lifetime-value
//! impact: what it costs, what it saves, and why.
//!
//! The pieces, in the order a case flows through them:
//! - [`input`] reads history, customers, ledger and incidents;
//! - [`policy`] loads and validates a policy, compiling its [`expr`]essions;
//! - [`ltv`] estimates a customer's future value, [`recovery`] what a gesture buys back;
//! - [`engine`] runs the rules and picks the remedy;
//! - [`render`] formats the answer; [`cli`] is the command line around it all.
//!
//! ```
//! use goodwill::engine::{Customer, Engine};
//! use goodwill::input::history::History;
//! use goodwill::input::incidents::Incident;
//! use goodwill::policy::Policy;
//!
//! let policy = Policy::default_policy();
//! let history = History::from_transactions([
//!     ("C1", (goodwill::date::parse("2025-01-10").unwrap(), 60.0)),
//!     ("C1", (goodwill::date::parse("2025-06-02").unwrap(), 40.0)),
//! ]);
//! let incident = Incident::from_fields(
//!     [("case_id", "K1"), ("customer_id", "C1"), ("kind", "expired_coupon"),
//!      ("date", "2025-11-20"), ("loss", "12"), ("order_value", "60"), ("coupon_pct", "20")],
//!     0,
//! ).unwrap();
//! let engine = Engine::new(&policy, None);
//! let customer = Customer { transactions: history.transactions("C1"), record: None, usage: Default::default() };
//! let rec = engine.recommend(&incident, &customer, &mut engine.values()).unwrap();
//! assert_eq!(rec.gesture(), "honor_coupon");
//! assert_eq!(rec.cost(), 12.0);
//! ```

pub mod batch;
pub mod cache;
pub mod cases;
pub mod check;
pub mod cli;
pub mod date;
pub mod diagnostic;
pub mod diff;
pub mod engine;
pub mod exit;
pub mod expr;
pub mod input;
pub mod ltv;
pub mod money;
pub mod policy;
pub mod recovery;
pub mod render;
pub mod suggest;
pub mod timing;
