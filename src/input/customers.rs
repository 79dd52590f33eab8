//! Customer attributes: `customer_id` plus any columns (tier, plan, price...).
//!
//! The file is read before the policy is applied, so values are kept as text
//! and typed when a policy binds them to the `customer.<column>` fields it
//! declares (SPEC §3); a value that does not fit its declared type is reported
//! with this file's name and line by the case that uses it.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use super::{Header, InputError, csv_reader, customer_id, field};

/// One customer's attribute values, as written in the file.
#[derive(Debug, Clone)]
pub struct Record {
    /// The 1-based line of the row.
    pub line: u64,
    /// The values, in the order of [`Customers::columns`].
    pub values: Vec<Box<str>>,
}

/// The customers file: attribute columns and one record per customer.
#[derive(Debug, Default)]
pub struct Customers {
    /// The file as the user named it.
    pub file: String,
    columns: Vec<String>,
    records: HashMap<Box<str>, Record>,
}

impl Customers {
    /// Reads a customers file.
    pub fn load(path: &Path) -> Result<Customers, InputError> {
        let name = path.display().to_string();
        Self::from_reader(super::open(path)?, &name)
    }

    /// Reads customers from any reader; `file` names it in errors.
    pub fn from_reader<R: Read>(input: R, file: &str) -> Result<Customers, InputError> {
        let mut reader = csv_reader(input);
        let header = Header::read(&mut reader, file)?;
        let id_col = header.require(&["customer_id"], file)?;
        let columns: Vec<String> = header.names().iter().filter(|n| *n != "customer_id").cloned().collect();
        let keep: Vec<usize> = (0..header.names().len()).filter(|&i| i != id_col).collect();
        let mut customers = Customers {
            file: file.to_string(),
            columns,
            records: HashMap::new(),
        };
        let records = &mut customers.records;
        super::for_each_row(&mut reader, file, |record, line| {
            if record.len() != header.names().len() {
                return Err(format!(
                    "expected {} fields, found {}",
                    header.names().len(),
                    record.len()
                ));
            }
            let id = customer_id(record, id_col)?;
            let values = keep
                .iter()
                .map(|&i| field(record, i, &header.names()[i]).map(Box::<str>::from))
                .collect::<Result<Vec<_>, _>>()?;
            match records.insert(id.into(), Record { line, values }) {
                Some(first) => Err(format!("customer `{id}` appears twice (first on line {})", first.line)),
                None => Ok(()),
            }
        })?;
        Ok(customers)
    }

    /// The attribute columns, `customer_id` excluded.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The index of an attribute column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// A customer's record.
    pub fn get(&self, customer_id: &str) -> Option<&Record> {
        self.records.get(customer_id)
    }

    /// The number of customers.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the file held no customer.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attributes_by_column() {
        let data = "tier,customer_id,plan_price\ngold,C1,19.99\nsilver,C2,\n";
        let c = Customers::from_reader(data.as_bytes(), "c.csv").unwrap();
        assert_eq!(c.columns(), ["tier", "plan_price"]);
        let r = c.get("C1").unwrap();
        assert_eq!(r.line, 2);
        assert_eq!(&*r.values[c.column("plan_price").unwrap()], "19.99");
        assert_eq!(&*c.get("C2").unwrap().values[1], "");
        assert!(c.get("C3").is_none());
    }

    #[test]
    fn duplicate_and_short_rows_are_errors() {
        let dup = "customer_id,tier\nC1,gold\nC1,silver\n";
        let err = Customers::from_reader(dup.as_bytes(), "c.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`c.csv`: line 3: customer `C1` appears twice (first on line 2)"
        );
        let short = "customer_id,tier,plan\nC1,gold\n";
        let err = Customers::from_reader(short.as_bytes(), "c.csv").unwrap_err();
        assert_eq!(err.to_string(), "`c.csv`: line 2: expected 3 fields, found 2");
    }
}
