//! The recommendation for one case (the README's "The policy" and "The model").
//!
//! [`Engine::recommend`] binds the incident and the customer's features into
//! the policy's fields, runs the rules in order, prices every offered gesture
//! with the recovery model, applies the limits, and picks the best remedy by
//! LTV impact with the tie rule. It returns everything it looked at (the rule
//! trace and every candidate with its numbers or the reason it was excluded)
//! so that a rep, a script and a policy author all read the same answer.
//!
//! The engine never reads files or the clock: callers pass the customer's
//! transactions and 12-month goodwill usage, which is how `batch` makes
//! earlier gestures in the same file count against later cases.

use serde::Serialize;

use crate::date::{self, Day};
use crate::expr::{Type, Values};
use crate::input::customers::{Customers, Record};
use crate::input::history::{self, Features, History, Transaction};
use crate::input::incidents::Incident;
use crate::input::ledger::{Ledger, Usage};
use crate::ltv;
use crate::money;
use crate::policy::fields::{Scope, customer, incident};
use crate::policy::{APOLOGY, Bounds, Gesture, Ltv, Policy};
use crate::recovery;

/// What the engine needs to know about the customer of a case.
#[derive(Clone, Copy, Debug)]
pub struct Customer<'a> {
    /// Their transactions, sorted by day (all of them: the engine cuts at the incident date).
    pub transactions: &'a [Transaction],
    /// Their row in the customers file, if any.
    pub record: Option<Record<'a>>,
    /// Gestures already granted in the 12 months up to the incident.
    pub usage: Usage,
}

impl<'a> Customer<'a> {
    /// Customer `id` as the input files give them for a case on `date`:
    /// their history, their customers row, and the goodwill of their ledger
    /// rows that counts toward `policy`'s limits (not the apology, not an
    /// owed gesture).
    pub fn from_files(
        policy: &Policy,
        history: &'a History,
        customers: Option<&'a Customers>,
        ledger: &Ledger,
        id: &str,
        date: Day,
    ) -> Customer<'a> {
        Customer {
            transactions: history.transactions(id),
            record: customers.and_then(|c| c.get(id)),
            usage: ledger.usage(id, date, |g| policy.counts_toward_limits(g)),
        }
    }
}

/// A customer described directly instead of by transactions: what a policy
/// test case gives.
#[derive(Clone, Debug, Default)]
pub struct GivenCustomer<'a> {
    /// Their history as of the incident date.
    pub features: Features,
    /// Their future value; computed from the features by the simple model when absent.
    pub future_value: Option<f64>,
    /// P(alive); 1 when absent.
    pub p_alive: Option<f64>,
    /// Attribute values by column name (`tier`, `plan_price`, ...), as text.
    pub attributes: &'a [(String, String)],
    /// Gestures already granted in the 12 months up to the incident.
    pub usage: Usage,
}

/// Where customer attributes are read from.
#[derive(Clone, Copy, Debug)]
enum Attributes<'a> {
    /// A row of the customers file, if the customer has one.
    File(Option<Record<'a>>),
    /// Values given by name.
    Given(&'a [(String, String)]),
}

/// The kind of answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// A gesture (possibly the apology alone).
    Gesture,
    /// A human must decide.
    Escalate,
}

/// Where a candidate gesture stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The remedy recommended.
    Recommended,
    /// Within every limit, not the best.
    Eligible,
    /// Its `when` condition is false.
    NotEligible,
    /// Its cost is above `max_cost_per_case`.
    OverCaseLimit,
    /// It would take the customer above `max_cost_per_customer_12m`.
    OverCustomerBudget,
    /// It would take the customer above `max_gestures_per_customer_12m`.
    OverGestureCount,
    /// Its cost, value or effectiveness did not evaluate to a usable number.
    Invalid,
}

impl Status {
    /// How the status reads in a table.
    pub fn describe(self) -> &'static str {
        match self {
            Status::Recommended => "recommended",
            Status::Eligible => "eligible",
            Status::NotEligible => "not eligible",
            Status::OverCaseLimit => "over case limit",
            Status::OverCustomerBudget => "over 12-month budget",
            Status::OverGestureCount => "over 12-month count",
            Status::Invalid => "invalid",
        }
    }

    /// Whether the candidate has figures: it passed its `when` and they evaluated.
    pub fn is_priced(self) -> bool {
        !matches!(self, Status::NotEligible | Status::Invalid)
    }

    /// Whether the candidate may be recommended.
    pub fn is_eligible(self) -> bool {
        matches!(self, Status::Recommended | Status::Eligible)
    }
}

/// One gesture considered for a case.
#[derive(Clone, Debug, Serialize)]
pub struct Candidate<'p> {
    /// The gesture's id (`apology` for the built-in).
    pub gesture: &'p str,
    /// What the rep reads.
    pub label: &'p str,
    /// A line the rep can read out.
    pub script: Option<&'p str>,
    /// The rules that offered it (none for the built-in apology).
    pub offered_by: Vec<&'p str>,
    /// Where it stands.
    pub status: Status,
    /// Why it was excluded, in words.
    pub reason: Option<String>,
    /// Its cost, rounded to cents.
    pub cost: f64,
    /// Its value as the customer perceives it.
    pub value: f64,
    /// The compensation ratio `c = V / L`.
    pub ratio: f64,
    /// How well it fits the failure.
    pub effectiveness: f64,
    /// The recovery `q` it buys.
    pub recovery: f64,
    /// Churn after it.
    pub churn_after: f64,
    /// Its LTV impact.
    pub impact: f64,
    /// It gives back what the customer is owed: outside the goodwill limits.
    pub owed: bool,
}

/// One rule as evaluated for a case.
#[derive(Clone, Debug, Serialize)]
pub struct RuleTrace<'p> {
    /// The rule's id.
    pub rule: &'p str,
    /// Whether its condition held (false when not reached).
    pub matched: bool,
    /// Whether evaluation got to it (an earlier `stop` rule ends it).
    pub reached: bool,
    /// The condition's text.
    pub when: Option<&'p str>,
}

/// The answer for one case, with everything that led to it.
#[derive(Clone, Debug, Serialize)]
pub struct Recommendation<'p> {
    /// Gesture or escalate.
    pub decision: Decision,
    /// Index into `candidates` of the recommended gesture; `None` when escalated.
    #[serde(skip)]
    pub chosen: Option<usize>,
    /// Why the case goes to a human.
    pub escalation: Option<String>,
    /// The rules that offered the chosen gesture, or escalated.
    pub rules: Vec<&'p str>,
    /// The customer's history as of the incident date.
    pub features: Features,
    /// How many gestures were granted in the 12 months before the incident.
    pub gestures_12m: u32,
    /// The cost of the goodwill granted in those 12 months, in dollars.
    pub goodwill_12m: f64,
    /// Future value (the README's "The model").
    pub future_value: f64,
    /// Probability the customer is still active.
    pub p_alive: f64,
    /// The recovery parameters of this case.
    pub params: recovery::Params,
    /// Every gesture considered, in offer order, the apology last unless offered.
    pub candidates: Vec<Candidate<'p>>,
    /// Every rule, in order.
    pub trace: Vec<RuleTrace<'p>>,
    /// The day by which the rep follows up.
    pub follow_up_by: Day,
}

impl<'p> Recommendation<'p> {
    /// The recommended candidate.
    pub fn chosen(&self) -> Option<&Candidate<'p>> {
        self.chosen.map(|i| &self.candidates[i])
    }

    /// Churn if nothing is done.
    pub fn churn_before(&self) -> f64 {
        self.params.churn_unresolved
    }

    /// Churn after the recommendation (unchanged when escalated).
    pub fn churn_after(&self) -> f64 {
        self.chosen().map_or(self.churn_before(), |c| c.churn_after)
    }

    /// Cost of the recommendation (0 when escalated).
    pub fn cost(&self) -> f64 {
        self.chosen().map_or(0.0, |c| c.cost)
    }

    /// Perceived value of the recommendation (0 when escalated).
    pub fn value(&self) -> f64 {
        self.chosen().map_or(0.0, |c| c.value)
    }

    /// LTV impact of the recommendation (0 when escalated).
    pub fn impact(&self) -> f64 {
        self.chosen().map_or(0.0, |c| c.impact)
    }

    /// The id of the recommended gesture (empty when escalated).
    pub fn gesture(&self) -> &'p str {
        self.chosen().map_or("", |c| c.gesture)
    }

    /// Whether the recommendation is a gesture that counts against the caps.
    pub fn grants(&self) -> bool {
        self.chosen().is_some_and(|c| c.gesture != APOLOGY)
    }

    /// Value lost in expectation if nothing is done.
    pub fn value_at_risk(&self) -> f64 {
        self.params.value_at_risk(self.future_value)
    }
}

/// Label and script of the built-in apology.
pub const APOLOGY_LABEL: &str = "Apologise, with no other gesture";
/// What the rep says with the apology alone.
pub const APOLOGY_SCRIPT: &str = "I'm sorry this happened; thank you for telling us.";

/// What every candidate of one case is priced against.
#[derive(Clone, Copy)]
struct Case<'a> {
    incident: &'a Incident,
    /// Goodwill already granted in the 12 months before it.
    usage: Usage,
    /// The recovery parameters for its kind, evaluated for it.
    params: &'a recovery::Params,
    future_value: f64,
    values: &'a Values,
}

/// Runs a policy on cases. Holds what is worked out once per policy.
pub struct Engine<'p> {
    policy: &'p Policy,
    /// Per declared customer attribute: its column in the customers file.
    customer_columns: Vec<Option<usize>>,
    customers_file: String,
    annuity: f64,
    /// The day the cases are answered, when it matters (see [`Engine::answered_on`]).
    today: Option<Day>,
}

impl<'p> Engine<'p> {
    /// An engine for a policy, reading attributes from a customers file.
    pub fn new(policy: &'p Policy, customers: Option<&Customers>) -> Self {
        let customer_columns = policy
            .attributes
            .iter()
            .map(|a| match a.scope {
                Scope::Customer => customers.and_then(|c| c.column(&a.column)),
                Scope::Incident => None,
            })
            .collect();
        Engine {
            policy,
            customer_columns,
            customers_file: customers.map_or_else(String::new, |c| c.file.clone()),
            annuity: ltv::simple::annuity_years(policy.model.horizon_months, policy.model.annual_discount_rate),
            today: None,
        }
    }

    /// Counts the follow-up from `today` for a case answered after its
    /// incident's day: a rep who takes up a late-reported case follows up
    /// `follow_up_days` after answering it, not on a day already past.
    /// Without it the follow-up counts from the incident's day.
    pub fn answered_on(mut self, today: Day) -> Self {
        self.today = Some(today);
        self
    }

    /// The policy this engine runs.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// Fresh field values for this policy, to pass to [`Engine::recommend`].
    pub fn values(&self) -> Values {
        Values::new(&self.policy.schema)
    }

    /// The recommendation for one case. `values` is scratch space, reused
    /// across calls. An `Err` is a case that cannot be answered, in words.
    pub fn recommend(
        &self,
        incident: &Incident,
        customer: &Customer<'_>,
        values: &mut Values,
    ) -> Result<Recommendation<'p>, String> {
        self.check_kind(incident)?;
        let features = history::features(customer.transactions, incident.date);
        let attributes = Attributes::File(customer.record);
        self.bind(incident, attributes, customer.usage, &features, values)?;
        let (future_value, p_alive) = self.future_value(incident, customer, &features);
        self.decide(incident, features, customer.usage, future_value, p_alive, values)
    }

    /// The recommendation for a customer described directly, by features and
    /// attributes, instead of by transactions (policy test cases). With no
    /// future value given, it is computed from the features by the simple
    /// model; a `bgnbd` policy needs it given.
    pub fn recommend_given(
        &self,
        incident: &Incident,
        given: &GivenCustomer<'_>,
        values: &mut Values,
    ) -> Result<Recommendation<'p>, String> {
        self.check_kind(incident)?;
        let features = given.features.clone();
        self.bind(
            incident,
            Attributes::Given(given.attributes),
            given.usage,
            &features,
            values,
        )?;
        let future_value = match (given.future_value, &self.policy.model.ltv) {
            (Some(fv), _) => fv,
            (None, Ltv::Simple) => self.simple_future_value(incident, &features),
            (None, Ltv::Bgnbd(_)) => {
                return Err("the policy's LTV model is `bgnbd`: give the customer's `future_value`".into());
            }
        };
        let p_alive = given.p_alive.unwrap_or(1.0);
        self.decide(incident, features, given.usage, future_value, p_alive, values)
    }

    fn check_kind(&self, incident: &Incident) -> Result<(), String> {
        self.policy.check_kind(&incident.kind)
    }

    /// Rules, candidates and the choice, once the case is bound.
    fn decide(
        &self,
        incident: &Incident,
        features: Features,
        usage: Usage,
        future_value: f64,
        p_alive: f64,
        values: &mut Values,
    ) -> Result<Recommendation<'p>, String> {
        let policy = self.policy;
        let f = &policy.fields;
        values.set_number(f.customer[customer::FUTURE_VALUE], future_value);
        values.set_number(f.customer[customer::P_ALIVE], p_alive);
        let params = policy.recovery_for(&incident.kind).eval(values)?;

        // Rules, in order.
        let mut trace = Vec::with_capacity(policy.rules.len());
        let mut offers: Vec<(Option<usize>, Vec<&'p str>)> = Vec::new();
        let mut escalations: Vec<(&'p str, &'p str)> = Vec::new();
        let mut stopped = false;
        for rule in &policy.rules {
            if stopped {
                trace.push(RuleTrace {
                    rule: &rule.id,
                    matched: false,
                    reached: false,
                    when: rule.when.as_ref().map(|w| w.source()),
                });
                continue;
            }
            let matched = rule.when.as_ref().is_none_or(|w| w.eval_bool(values));
            trace.push(RuleTrace {
                rule: &rule.id,
                matched,
                reached: true,
                when: rule.when.as_ref().map(|w| w.source()),
            });
            if !matched {
                continue;
            }
            for &g in &rule.offer {
                match offers.iter_mut().find(|(x, _)| *x == g) {
                    Some((_, by)) => by.push(&rule.id),
                    None => offers.push((g, vec![&rule.id])),
                }
            }
            if let Some(reason) = &rule.escalate {
                escalations.push((&rule.id, reason));
            }
            stopped = rule.stop;
        }
        if !offers.iter().any(|(g, _)| g.is_none()) {
            offers.push((None, Vec::new()));
        }

        let case = Case {
            incident,
            usage,
            params: &params,
            future_value,
            values,
        };
        let candidates: Vec<Candidate<'p>> = offers
            .into_iter()
            .map(|(g, by)| self.price(g.map(|i| &policy.gestures[i]), by, &case))
            .collect();
        let mut rec = Recommendation {
            decision: Decision::Gesture,
            chosen: None,
            escalation: None,
            rules: Vec::new(),
            features,
            gestures_12m: usage.gestures,
            goodwill_12m: usage.cents as f64 / 100.0,
            future_value,
            p_alive,
            params,
            candidates,
            trace,
            // Within the dates goodwill writes and reads (an incident on 9999-12-31 is a typo).
            follow_up_by: (self.today.map_or(incident.date, |t| t.max(incident.date)) + policy.follow_up_days)
                .min(crate::date::CIVIL_LAST_DAY),
        };
        if escalations.is_empty() {
            rec.chosen = choose(&rec.candidates, rec.params.tie_tolerance);
            if let Some(i) = rec.chosen {
                rec.candidates[i].status = Status::Recommended;
                rec.rules = rec.candidates[i].offered_by.clone();
            }
        } else {
            rec.decision = Decision::Escalate;
            rec.rules = escalations.iter().map(|(r, _)| *r).collect();
            rec.escalation = Some(escalations.iter().map(|(_, why)| *why).collect::<Vec<_>>().join("; "));
        }
        Ok(rec)
    }

    fn future_value(&self, incident: &Incident, customer: &Customer<'_>, features: &Features) -> (f64, f64) {
        let model = &self.policy.model;
        match &model.ltv {
            Ltv::Simple => (self.simple_future_value(incident, features), 1.0),
            Ltv::Bgnbd(m) => {
                // Purchases are the non-negative transactions, as in the fit.
                let mut past: Vec<Transaction> = history::up_to(customer.transactions, incident.date)
                    .iter()
                    .copied()
                    .filter(|t| t.1 >= 0.0)
                    .collect();
                // A customer with no purchase yet is as new: no repeat, no age.
                let rfm = ltv::summarize(&mut past, incident.date, m.time_unit).unwrap_or(ltv::Rfm {
                    frequency: 0.0,
                    recency: 0.0,
                    t: 0.0,
                    monetary_value: 0.0,
                });
                let fv = ltv::clv(
                    &m.bgnbd,
                    &m.gamma_gamma,
                    &rfm,
                    model.margin,
                    model.horizon_months,
                    model.annual_discount_rate,
                    m.time_unit,
                );
                (fv, m.bgnbd.p_alive(rfm.frequency, rfm.recency, rfm.t))
            }
        }
    }

    /// The simple model (the README's "The model"): the basket is the average order, or the incident's
    /// order for a customer with no purchase.
    fn simple_future_value(&self, incident: &Incident, features: &Features) -> f64 {
        let basket = if features.orders > 0 {
            features.avg_order_value
        } else {
            incident.order_value
        };
        let model = &self.policy.model;
        ltv::simple::future_value(
            model.margin,
            basket,
            features.orders,
            features.tenure_days,
            self.annuity,
        )
    }

    /// Writes the case into the policy's fields.
    fn bind(
        &self,
        incident: &Incident,
        attributes: Attributes<'_>,
        usage: Usage,
        features: &Features,
        values: &mut Values,
    ) -> Result<(), String> {
        let f = &self.policy.fields;
        let c = &f.customer;
        values.set_string(c[customer::ID], &incident.customer_id);
        values.set_number(c[customer::ORDERS], features.orders as f64);
        values.set_number(c[customer::TOTAL_SPEND], features.total_spend);
        values.set_number(c[customer::AVG_ORDER_VALUE], features.avg_order_value);
        values.set_number(c[customer::FIRST_ORDER], features.first_order.map_or(0.0, f64::from));
        values.set_number(c[customer::LAST_ORDER], features.last_order.map_or(0.0, f64::from));
        values.set_number(c[customer::TENURE_DAYS], features.tenure_days);
        values.set_number(c[customer::RECENCY_DAYS], features.recency_days);
        values.set_number(c[customer::REFUNDS], features.refunds as f64);
        values.set_number(c[customer::GESTURES_12M], f64::from(usage.gestures));
        values.set_number(c[customer::GOODWILL_12M], usage.cents as f64 / 100.0);
        values.set_bool(c[customer::KNOWN], features.known);
        let i = &f.incident;
        values.set_string(i[incident::CASE_ID], &incident.case_id);
        values.set_string(i[incident::CUSTOMER_ID], &incident.customer_id);
        values.set_string(i[incident::KIND], &incident.kind);
        values.set_number(i[incident::DATE], f64::from(incident.date));
        values.set_number(i[incident::LOSS], incident.loss);
        values.set_number(i[incident::ORDER_VALUE], incident.order_value);
        values.set_number(i[incident::SEVERITY], incident.severity);
        values.set_string(i[incident::CHANNEL], &incident.channel);
        for (attr, column) in self.policy.attributes.iter().zip(&self.customer_columns) {
            let text = match (attr.scope, attributes) {
                (Scope::Customer, Attributes::File(record)) => record.zip(*column).map(|(r, col)| r.value(col)),
                (Scope::Customer, Attributes::Given(given)) => given
                    .iter()
                    .find(|(name, _)| *name == attr.column)
                    .map(|(_, v)| v.as_str()),
                (Scope::Incident, _) => incident.extra(&attr.column),
            };
            set_text(values, attr.ty, attr.slot, text.unwrap_or("")).map_err(|why| match (attr.scope, attributes) {
                (Scope::Customer, Attributes::File(Some(r))) => {
                    let message = format!("column `{}`: {why}", attr.column);
                    crate::input::InputError::row(&self.customers_file, r.line, message).to_string()
                }
                _ => format!("column `{}`: {why}", attr.column),
            })?;
        }
        Ok(())
    }

    /// Prices one candidate gesture (`None` is the apology) and checks it against the limits.
    fn price(&self, g: Option<&'p Gesture>, offered_by: Vec<&'p str>, case: &Case<'_>) -> Candidate<'p> {
        let Case {
            incident,
            usage,
            params,
            future_value,
            values,
        } = *case;
        let (gesture, label, script) = match g {
            Some(g) => (g.id.as_str(), g.label.as_str(), g.script.as_deref()),
            None => (APOLOGY, APOLOGY_LABEL, Some(APOLOGY_SCRIPT)),
        };
        let mut c = Candidate {
            gesture,
            label,
            script,
            offered_by,
            status: Status::Eligible,
            reason: None,
            cost: 0.0,
            value: 0.0,
            ratio: 0.0,
            effectiveness: 0.0,
            recovery: 0.0,
            churn_after: params.churn_unresolved,
            impact: 0.0,
            owed: g.is_some_and(|g| g.owed),
        };
        let Some(g) = g else {
            // The apology alone: no cost, no limit, `apology_recovery`.
            c.recovery = params.apology_recovery;
            c.churn_after = params.churn(c.recovery);
            c.impact = params.impact(c.recovery, future_value, 0.0);
            return c;
        };
        if let Some(when) = &g.when
            && !when.eval_bool(values)
        {
            c.status = Status::NotEligible;
            c.reason = Some(format!("`{}` is false", when.source()));
            return c;
        }
        let raw_cost = g.cost.eval(values);
        let raw_value = g.value.as_ref().map(|v| v.eval(values));
        let effectiveness = g.effectiveness.eval(values);
        // Negative, or past the largest amount exact to the cent.
        let beyond = |v: f64| match v >= crate::input::MAX_NUMBER {
            true => ", over the largest amount, 1e13",
            false => "",
        };
        let problem = if !Bounds::Amount.allows(raw_cost) {
            Some(g.cost.evaluated("cost", raw_cost, beyond(raw_cost)))
        } else if let (Some(v), Some(param)) = (raw_value.filter(|&v| !Bounds::Amount.allows(v)), &g.value) {
            Some(param.evaluated("value", v, beyond(v)))
        } else if !(0.0..=1.0).contains(&effectiveness) {
            Some(g.effectiveness.evaluated("effectiveness", effectiveness, ""))
        } else {
            None
        };
        if let Some(reason) = problem {
            c.status = Status::Invalid;
            c.reason = Some(reason);
            return c;
        }
        let cents = money::cents(raw_cost);
        c.cost = cents as f64 / 100.0;
        c.value = raw_value.unwrap_or(c.cost);
        c.ratio = recovery::Params::ratio(c.value, incident.loss);
        c.effectiveness = effectiveness;
        c.recovery = params.recovery(effectiveness, c.ratio);
        c.churn_after = params.churn(c.recovery);
        c.impact = params.impact(c.recovery, future_value, c.cost);
        let limits = &self.policy.limits;
        let currency = &self.policy.currency;
        if g.owed {
            // Money the customer is owed is given back whatever the goodwill limits.
            return c;
        }
        if let Some(max) = limits.max_cents_per_case.filter(|&m| cents > m) {
            c.status = Status::OverCaseLimit;
            c.reason = Some(format!(
                "cost {} is above the case limit {}",
                money::format(c.cost, currency),
                money::format_cents(max, currency)
            ));
        } else if let Some(max) = limits
            .max_cents_per_customer_12m
            .filter(|&m| usage.cents.saturating_add(cents) > m)
        {
            c.status = Status::OverCustomerBudget;
            c.reason = Some(format!(
                "{} already granted in 12 months; {} more is above the limit {}",
                money::format_cents(usage.cents, currency),
                money::format(c.cost, currency),
                money::format_cents(max, currency)
            ));
        } else if let Some(max) = limits.max_gestures_per_customer_12m.filter(|&m| usage.gestures >= m) {
            c.status = Status::OverGestureCount;
            c.reason = Some(format!(
                "{} gestures already granted in 12 months; the limit is {max}",
                usage.gestures
            ));
        }
        c
    }
}

/// What reads a field (see [`fields_read_for_kind`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reader {
    /// A rule's `when`.
    Rule(String),
    /// A gesture's `when`, cost, value or effectiveness.
    Gesture(String),
    /// A recovery parameter.
    Recovery,
    /// The simple model, for the basket of a customer with no order.
    FutureValue,
}

impl std::fmt::Display for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reader::Rule(id) => write!(f, "rule `{id}`"),
            Reader::Gesture(id) => write!(f, "gesture `{id}`"),
            Reader::Recovery => f.write_str("the recovery model"),
            Reader::FutureValue => f.write_str("the future-value model"),
        }
    }
}

/// The fields a case of `kind` may read under `policy`, each with every
/// one that reads it: a rule a case of that kind can reach, a gesture such
/// a rule offers (its figures when its `when` may hold), the kind's recovery
/// model, or the simple model's basket (`incident.order_value`, for a
/// customer with no order). Every field but the kind is taken as unknown, so
/// a condition on one decides nothing: both of its sides are read. What a
/// batch warns of when its incidents file has no column for a field.
pub fn fields_read_for_kind(policy: &Policy, kind: &str) -> Vec<(String, Reader)> {
    let mut values = Values::new(&policy.schema);
    values.set_string(policy.fields.incident[incident::KIND], kind);
    let unknown: Vec<String> = (policy.schema.fields())
        .map(|(name, _, _)| name.to_string())
        .filter(|name| name != "incident.kind")
        .collect();
    let mut reads = FieldReads::new(policy, &values, &unknown, true);
    let mut offered: Vec<usize> = Vec::new();
    for rule in &policy.rules {
        let (sure, may) = match &rule.when {
            None => (true, true),
            Some(when) => reads.condition(when, || Reader::Rule(rule.id.clone())),
        };
        for &g in rule.offer.iter().flatten().filter(|_| may) {
            if !offered.contains(&g) {
                offered.push(g);
            }
        }
        if sure && rule.stop {
            break;
        }
    }
    for g in offered {
        reads.gesture(&policy.gestures[g]);
    }
    reads.recovery(kind);
    // The basket of a customer with no order yet.
    reads.basket();
    reads.read
}

impl Recommendation<'_> {
    /// The fields this answer read, each once with the first that read it: a
    /// rule that was reached, a gesture that was offered (its figures when
    /// its `when` holds), the recovery model of the incident's `kind`, or
    /// the simple model's basket for a customer with no order; not one named
    /// only in a branch the case's `values` did not take. A condition that
    /// reads one of `unset` (what the case does not have) decides no branch:
    /// each is read.
    pub fn fields_read(&self, policy: &Policy, kind: &str, values: &Values, unset: &[String]) -> Vec<(String, Reader)> {
        let mut reads = FieldReads::new(policy, values, unset, false);
        let reached = self.trace.iter().filter(|t| t.reached);
        for rule in reached.filter_map(|t| policy.rules.iter().find(|r| r.id == t.rule)) {
            if let Some(when) = &rule.when {
                reads.condition(when, || Reader::Rule(rule.id.clone()));
            }
        }
        let offered = self.candidates.iter().filter(|c| !c.offered_by.is_empty());
        for g in offered.filter_map(|c| policy.gesture(c.gesture)) {
            reads.gesture(g);
        }
        reads.recovery(kind);
        if self.features.orders == 0 {
            reads.basket();
        }
        reads.read
    }
}

/// The fields expressions read with `values`, those of `unset` unknown:
/// each with the first that read it, or with every one (`every`).
struct FieldReads<'a> {
    policy: &'a Policy,
    values: &'a Values,
    unset: &'a [String],
    /// Every reader of each field, or only the first.
    every: bool,
    read: Vec<(String, Reader)>,
}

impl<'a> FieldReads<'a> {
    fn new(policy: &'a Policy, values: &'a Values, unset: &'a [String], every: bool) -> Self {
        FieldReads {
            policy,
            values,
            unset,
            every,
            read: Vec::new(),
        }
    }

    /// Notes `field` as read by `reader`, unless it is noted already (by
    /// that reader, when every reader is kept).
    fn note(&mut self, field: &str, reader: Reader) {
        let noted = (self.read.iter()).any(|(f, r)| f == field && (!self.every || *r == reader));
        if !noted {
            self.read.push((field.to_string(), reader));
        }
    }

    /// Notes what `e` reads; returns those fields.
    fn expr(&mut self, e: &crate::expr::Expr, reader: impl Fn() -> Reader) -> Vec<String> {
        let fields = e.fields_read(&self.policy.schema, self.values, self.unset);
        for field in &fields {
            self.note(field, reader());
        }
        fields
    }

    /// Notes what a condition reads; whether it holds for sure, and whether
    /// it may hold (it does, or it reads a field that is unknown).
    fn condition(&mut self, when: &crate::expr::Expr, reader: impl Fn() -> Reader) -> (bool, bool) {
        let fields = self.expr(when, reader);
        let sure = !fields.iter().any(|f| self.unset.contains(f));
        match when.eval_bool(self.values) {
            true => (sure, true),
            false => (false, !sure),
        }
    }

    /// A gesture offered: its `when`, and its figures when that may hold.
    fn gesture(&mut self, g: &Gesture) {
        let reader = || Reader::Gesture(g.id.clone());
        let priced = g.when.as_ref().is_none_or(|when| self.condition(when, reader).1);
        let figures = [
            g.cost.expr(),
            g.value.as_ref().and_then(|v| v.expr()),
            g.effectiveness.expr(),
        ];
        for e in figures.into_iter().flatten().filter(|_| priced) {
            self.expr(e, reader);
        }
    }

    /// The recovery model of `kind`.
    fn recovery(&mut self, kind: &str) {
        for e in self.policy.recovery_for(kind).params.iter().filter_map(|p| p.expr()) {
            self.expr(e, || Reader::Recovery);
        }
    }

    /// The simple model's basket for a customer with no order: the incident's order value.
    fn basket(&mut self) {
        if matches!(self.policy.model.ltv, Ltv::Simple) {
            self.note("incident.order_value", Reader::FutureValue);
        }
    }
}

/// The best eligible candidate by impact; within `tie_tolerance * |best|` of
/// it the cheapest wins, and on equal cost the earlier listed. An eligible
/// owed gesture is given back whatever a goodwill gesture's impact: the
/// choice is then among the owed alone.
pub fn choose(candidates: &[Candidate<'_>], tie_tolerance: f64) -> Option<usize> {
    // One whose figures did not come out as numbers cannot be chosen: the rest compete as ever.
    let owed = candidates
        .iter()
        .any(|c| c.owed && c.status.is_eligible() && c.impact.is_finite());
    let eligible = || (candidates.iter().enumerate()).filter(move |(_, c)| c.status.is_eligible() && (c.owed || !owed));
    let best = eligible().map(|(_, c)| c.impact).fold(f64::NEG_INFINITY, f64::max);
    if !best.is_finite() {
        return None;
    }
    let floor = best - tie_tolerance * best.abs();
    eligible()
        .filter(|(_, c)| c.impact >= floor)
        .min_by_key(|(i, c)| (money::cents(c.cost), *i))
        .map(|(i, _)| i)
}

/// Writes a text value into a slot of its declared type; empty is the zero value.
pub fn set_text(values: &mut Values, ty: Type, slot: crate::expr::Slot, text: &str) -> Result<(), String> {
    let text = crate::input::trim(text);
    match ty {
        Type::String => values.set_string(slot, text),
        Type::Number => {
            let v = if text.is_empty() {
                0.0
            } else {
                crate::input::number(text).map_err(|why| format!("`{text}` {why}"))?
            };
            values.set_number(slot, v);
        }
        Type::Date => {
            let v = if text.is_empty() {
                0
            } else {
                date::parse(text).ok_or_else(|| format!("`{text}` {}", date::NOT_A_DATE))?
            };
            values.set_number(slot, f64::from(v));
        }
        Type::Bool => {
            let v = boolean(text).ok_or_else(|| format!("`{text}` is not true or false"))?;
            values.set_bool(slot, v);
        }
    }
    Ok(())
}

/// A bool field's text, as [`set_text`] reads it: empty is false.
pub fn boolean(text: &str) -> Option<bool> {
    // Without a lowercase copy: this runs for every bool attribute of every case.
    let is = |words: [&str; 4]| words.iter().any(|w| text.eq_ignore_ascii_case(w));
    if text.is_empty() || is(["false", "0", "no", "n"]) {
        Some(false)
    } else if is(["true", "1", "yes", "y"]) {
        Some(true)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
