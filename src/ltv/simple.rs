//! The simple LTV model of the README's "The model": past order rate and basket, projected.
//!
//! `rate = max(orders, 1) / max(tenure_years, 1)` orders a year at the
//! customer's average basket, kept for `horizon_months`, each month's margin
//! discounted to today. It needs nothing but the customer's own history, which
//! makes it the default: no fit, and a figure a rep can reason about.

/// The discounted number of years in the horizon: `A = sum over m = 1..H of
/// (1/12) / (1 + annual_discount_rate)^(m/12)`.
pub fn annuity_years(horizon_months: u32, annual_discount_rate: f64) -> f64 {
    (1..=horizon_months)
        .map(|m| (1.0 / 12.0) / (1.0 + annual_discount_rate).powf(f64::from(m) / 12.0))
        .sum()
}

/// Orders a year: `max(orders, 1) / max(tenure_days / 365, 1)`.
pub fn order_rate(orders: u64, tenure_days: f64) -> f64 {
    (orders.max(1) as f64) / (tenure_days / 365.0).max(1.0)
}

/// Future value under the simple model. `basket` is the average order value,
/// or the incident's order value when the customer has no purchase.
pub fn future_value(margin: f64, basket: f64, orders: u64, tenure_days: f64, annuity: f64) -> f64 {
    margin * basket * order_rate(orders, tenure_days) * annuity
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annuity_by_hand() {
        // One month at 10%: (1/12) / 1.1^(1/12).
        let one = (1.0 / 12.0) / 1.1f64.powf(1.0 / 12.0);
        assert!((annuity_years(1, 0.10) - one).abs() < 1e-15);
        // No discounting: 36 months are 3 years.
        assert!((annuity_years(36, 0.0) - 3.0).abs() < 1e-12);
        assert_eq!(annuity_years(0, 0.1), 0.0);
    }

    #[test]
    fn rate_floors_orders_and_tenure() {
        assert_eq!(order_rate(0, 0.0), 1.0);
        assert_eq!(order_rate(6, 100.0), 6.0);
        assert_eq!(order_rate(14, 730.0), 7.0);
    }

    #[test]
    fn future_value_by_hand() {
        // 14 orders over 2 years, $50 basket, 30% margin, 3 undiscounted years:
        // 0.3 * 50 * 7 * 3 = 315.
        let fv = future_value(0.30, 50.0, 14, 730.0, annuity_years(36, 0.0));
        assert!((fv - 315.0).abs() < 1e-9);
    }
}
