//! The long field lists of a customer (FEATURES §1) as JSON sub-documents:
//! `individual` for persons, `company` for companies. Stored in
//! `customers.profile` as the same JSON the API exchanges; every identifier
//! and amount inside is checked, and an error names its path
//! (`individual.family_members[1].id_card_number`).

use chrono::NaiveDate;
use identifiers::{IdCardNumber, MobileNumber};
use platform::{
    money::{Money, Rate},
    ApiError, ApiResult,
};
use poem_openapi::{
    types::{ParseFromJSON, ToJSON},
    Object,
};

/// Employer of an individual.
#[derive(Debug, Clone, Default, Object)]
#[oai(rename = "CustomerEmployer")]
pub struct Employer {
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub position: Option<String>,
    pub years: Option<u32>,
}

/// A member of the household.
#[derive(Debug, Clone, Object)]
#[oai(rename = "CustomerFamilyMember")]
pub struct FamilyMember {
    pub name: String,
    /// spouse, child, parent, sibling, other.
    pub relation: String,
    pub id_card_number: Option<String>,
    pub mobile: Option<String>,
    pub occupation: Option<String>,
}

/// Where a person lives.
#[derive(Debug, Clone, Default, Object)]
#[oai(rename = "CustomerResidence")]
pub struct Residence {
    pub address: Option<String>,
    /// owned, mortgaged, rented, family, dormitory, other.
    pub ownership: Option<String>,
    pub years: Option<u32>,
}

/// An asset (house, vehicle, deposit …).
#[derive(Debug, Clone, Object)]
#[oai(rename = "CustomerAsset")]
pub struct Asset {
    pub kind: String,
    pub description: Option<String>,
    pub value: Money,
}

/// A debt owed to someone else.
#[derive(Debug, Clone, Object)]
#[oai(rename = "CustomerLiability")]
pub struct Liability {
    pub lender: String,
    pub balance: Money,
    pub monthly_payment: Option<Money>,
}

/// A shop or small business of an individual.
#[derive(Debug, Clone, Default, Object)]
#[oai(rename = "CustomerBusiness")]
pub struct Business {
    pub name: Option<String>,
    pub address: Option<String>,
    /// National industry classification code (GB/T 4754), e.g. `F52`.
    pub industry_code: Option<String>,
    pub annual_revenue: Option<Money>,
    pub years: Option<u32>,
    pub employees: Option<u32>,
}

/// The individual's sub-document.
#[derive(Debug, Clone, Default, Object)]
pub struct IndividualProfile {
    /// single, married, divorced, widowed.
    pub marital_status: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
    pub employer: Option<Employer>,
    pub monthly_income: Option<Money>,
    pub household_annual_income: Option<Money>,
    pub household_size: Option<u32>,
    #[oai(default)]
    pub family_members: Vec<FamilyMember>,
    pub residence: Option<Residence>,
    #[oai(default)]
    pub assets: Vec<Asset>,
    #[oai(default)]
    pub liabilities: Vec<Liability>,
    pub business: Option<Business>,
}

/// Company registration (工商登记).
#[derive(Debug, Clone, Default, Object)]
#[oai(rename = "CompanyRegistration")]
pub struct Registration {
    pub registered_capital: Option<Money>,
    pub established_on: Option<NaiveDate>,
    pub registered_address: Option<String>,
    pub business_scope: Option<String>,
    /// National industry classification code (GB/T 4754).
    pub industry_code: Option<String>,
    pub registration_authority: Option<String>,
}

/// A person acting for a company (legal representative, key people).
#[derive(Debug, Clone, Object)]
#[oai(rename = "CustomerPerson")]
pub struct Person {
    pub name: String,
    /// For key people: chairman, general manager, finance head …
    pub position: Option<String>,
    pub id_card_number: Option<String>,
    pub mobile: Option<String>,
}

/// A shareholder.
#[derive(Debug, Clone, Object)]
#[oai(rename = "CompanyShareholder")]
pub struct Shareholder {
    pub name: String,
    /// ID card number or credit code.
    pub id_number: Option<String>,
    /// Share as a fraction, "0.350000".
    pub share: Option<Rate>,
    pub capital: Option<Money>,
}

/// Key figures of a financial statement.
#[derive(Debug, Clone, Object)]
#[oai(rename = "CompanyFinancialStatement")]
pub struct FinancialStatement {
    /// e.g. `2025` or `2026-06`.
    pub period: String,
    pub total_assets: Money,
    pub total_liabilities: Money,
    pub revenue: Option<Money>,
    pub net_profit: Option<Money>,
}

/// A bank account of the company.
#[derive(Debug, Clone, Object)]
#[oai(rename = "CustomerBankAccount")]
pub struct BankAccount {
    pub bank: String,
    pub account_name: String,
    pub account_number: String,
}

/// The company's sub-document.
#[derive(Debug, Clone, Default, Object)]
pub struct CompanyProfile {
    pub registration: Option<Registration>,
    pub legal_representative: Option<Person>,
    #[oai(default)]
    pub shareholders: Vec<Shareholder>,
    #[oai(default)]
    pub key_people: Vec<Person>,
    #[oai(default)]
    pub financial_statements: Vec<FinancialStatement>,
    #[oai(default)]
    pub bank_accounts: Vec<BankAccount>,
}

fn text(field: String, value: &str, max: usize) -> ApiResult<()> {
    let n = value.trim().chars().count();
    if n == 0 || n > max {
        return Err(ApiError::validation(
            field,
            "invalid_text",
            format!("1 to {max} characters"),
        ));
    }
    Ok(())
}

fn opt_text(field: String, value: &Option<String>, max: usize) -> ApiResult<()> {
    match value {
        Some(v) => text(field, v, max),
        None => Ok(()),
    }
}

fn id_card(field: String, value: &Option<String>) -> ApiResult<()> {
    if let Some(v) = value {
        IdCardNumber::parse(v).map_err(|e| ApiError::validation(field, e.code, e.message))?;
    }
    Ok(())
}

fn mobile(field: String, value: &Option<String>) -> ApiResult<()> {
    if let Some(v) = value {
        MobileNumber::parse(v).map_err(|e| ApiError::validation(field, e.code, e.message))?;
    }
    Ok(())
}

fn non_negative(field: String, value: Option<Money>) -> ApiResult<()> {
    if value.is_some_and(|m| m.amount().is_sign_negative()) {
        return Err(ApiError::validation(
            field,
            "invalid_amount",
            "an amount here may not be negative",
        ));
    }
    Ok(())
}

/// Checks an industry code of the national classification: a section letter A–T, optionally 2–4 digits.
pub fn industry_code(field: &str, code: &str) -> ApiResult<()> {
    let mut chars = code.chars();
    let ok = matches!(chars.next(), Some('A'..='T')) && {
        let digits: Vec<char> = chars.collect();
        digits.is_empty()
            || ((2..=4).contains(&digits.len()) && digits.iter().all(char::is_ascii_digit))
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(
            field,
            "invalid_industry_code",
            "an industry code of GB/T 4754: a section letter A–T, optionally followed by 2 to 4 digits (e.g. F52)",
        ))
    }
}

impl IndividualProfile {
    /// Checks every identifier, text and amount; the error names its path.
    pub fn validate(&self) -> ApiResult<()> {
        let p = "individual";
        if let Some(e) = &self.employer {
            opt_text(format!("{p}.employer.name"), &e.name, 200)?;
        }
        non_negative(format!("{p}.monthly_income"), self.monthly_income)?;
        non_negative(
            format!("{p}.household_annual_income"),
            self.household_annual_income,
        )?;
        for (i, m) in self.family_members.iter().enumerate() {
            text(format!("{p}.family_members[{i}].name"), &m.name, 100)?;
            text(format!("{p}.family_members[{i}].relation"), &m.relation, 20)?;
            id_card(
                format!("{p}.family_members[{i}].id_card_number"),
                &m.id_card_number,
            )?;
            mobile(format!("{p}.family_members[{i}].mobile"), &m.mobile)?;
        }
        for (i, a) in self.assets.iter().enumerate() {
            text(format!("{p}.assets[{i}].kind"), &a.kind, 50)?;
            non_negative(format!("{p}.assets[{i}].value"), Some(a.value))?;
        }
        for (i, l) in self.liabilities.iter().enumerate() {
            text(format!("{p}.liabilities[{i}].lender"), &l.lender, 200)?;
            non_negative(format!("{p}.liabilities[{i}].balance"), Some(l.balance))?;
        }
        if let Some(b) = &self.business {
            if let Some(code) = &b.industry_code {
                industry_code(&format!("{p}.business.industry_code"), code)?;
            }
            non_negative(format!("{p}.business.annual_revenue"), b.annual_revenue)?;
        }
        Ok(())
    }
}

impl CompanyProfile {
    /// Checks every identifier, text and amount; the error names its path.
    pub fn validate(&self) -> ApiResult<()> {
        let p = "company";
        if let Some(r) = &self.registration {
            non_negative(
                format!("{p}.registration.registered_capital"),
                r.registered_capital,
            )?;
            if let Some(code) = &r.industry_code {
                industry_code(&format!("{p}.registration.industry_code"), code)?;
            }
        }
        if let Some(l) = &self.legal_representative {
            text(format!("{p}.legal_representative.name"), &l.name, 100)?;
            id_card(
                format!("{p}.legal_representative.id_card_number"),
                &l.id_card_number,
            )?;
            mobile(format!("{p}.legal_representative.mobile"), &l.mobile)?;
        }
        for (i, s) in self.shareholders.iter().enumerate() {
            text(format!("{p}.shareholders[{i}].name"), &s.name, 200)?;
            non_negative(format!("{p}.shareholders[{i}].capital"), s.capital)?;
        }
        for (i, k) in self.key_people.iter().enumerate() {
            text(format!("{p}.key_people[{i}].name"), &k.name, 100)?;
            id_card(
                format!("{p}.key_people[{i}].id_card_number"),
                &k.id_card_number,
            )?;
            mobile(format!("{p}.key_people[{i}].mobile"), &k.mobile)?;
        }
        for (i, f) in self.financial_statements.iter().enumerate() {
            text(
                format!("{p}.financial_statements[{i}].period"),
                &f.period,
                20,
            )?;
        }
        for (i, b) in self.bank_accounts.iter().enumerate() {
            text(format!("{p}.bank_accounts[{i}].bank"), &b.bank, 100)?;
            let digits = b
                .account_number
                .chars()
                .filter(char::is_ascii_digit)
                .count();
            if digits < 8 || digits != b.account_number.len() || digits > 32 {
                return Err(ApiError::validation(
                    format!("{p}.bank_accounts[{i}].account_number"),
                    "invalid_account_number",
                    "8 to 32 digits",
                ));
            }
        }
        Ok(())
    }
}

/// The stored JSON of a profile (`{"individual": …}` or `{"company": …}`).
pub fn to_stored(
    individual: &Option<IndividualProfile>,
    company: &Option<CompanyProfile>,
) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    if let Some(v) = individual.as_ref().and_then(ToJSON::to_json) {
        map.insert("individual".into(), v);
    }
    if let Some(v) = company.as_ref().and_then(ToJSON::to_json) {
        map.insert("company".into(), v);
    }
    serde_json::Value::Object(map)
}

/// The two sub-documents read back from the stored JSON.
pub fn from_stored(
    stored: &serde_json::Value,
) -> (Option<IndividualProfile>, Option<CompanyProfile>) {
    let individual = stored
        .get("individual")
        .and_then(|v| IndividualProfile::parse_from_json(Some(v.clone())).ok());
    let company = stored
        .get("company")
        .and_then(|v| CompanyProfile::parse_from_json(Some(v.clone())).ok());
    (individual, company)
}
