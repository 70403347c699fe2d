//! Property: any random sequence of loan events, posted through the ledger's one posting
//! function against the real database, keeps every voucher balanced (checked by the
//! database's own constraint trigger too), the ledger balanced, 1303 equal to the
//! outstanding principal of the simulated loans, 1132 equal to their recognised-unpaid
//! interest, the off-balance memo equal to the interest kept off balance, and 1304 equal
//! to the required allowance after each provisioning. Each case runs in one tenant
//! transaction that is rolled back, so cases are independent and leave nothing behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;

use chrono::{Days, NaiveDate};
use ledger_rules::{
    chart as codes, round_money, AccountCode, Basis, CashAccount, IncomeAmounts, IncomeKind,
    IncomePart, IncomeParts, LedgerError, RepaymentSplit, Totals, VoucherDraft,
};
use platform::{
    audit::Actor,
    provisioning::{self, NewTenant},
    tenancy::{self, TenantRef, TenantTx},
    AppState,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use tenant_app::ledger::{self, allowance, Source};

const KINDS: [IncomeKind; 3] = [
    IncomeKind::Interest,
    IncomeKind::Penalty,
    IncomeKind::Compound,
];

#[derive(Debug, Clone)]
enum Op {
    Payout {
        fen: i64,
        bank: u32,
        watch: bool,
    },
    Recognise {
        loan: usize,
        kind: usize,
        fen: i64,
    },
    Repay {
        loan: usize,
        principal_pct: i64,
        income_pct: i64,
        extra_fen: i64,
        fee_fen: i64,
    },
    NonAccrual {
        loan: usize,
    },
    WriteOff {
        loan: usize,
    },
    Provision,
}

fn op() -> impl Strategy<Value = Op> {
    let pct = 0i64..=100;
    prop_oneof![
        3 => (1i64..50_000_000, 1u32..=2, any::<bool>()).prop_map(|(fen, bank, watch)| Op::Payout { fen, bank, watch }),
        3 => (any::<usize>(), 0usize..3, 1i64..2_000_000).prop_map(|(loan, kind, fen)| Op::Recognise { loan, kind, fen }),
        3 => (any::<usize>(), pct.clone(), pct, 0i64..100_000, 0i64..10_000).prop_map(
            |(loan, principal_pct, income_pct, extra_fen, fee_fen)| Op::Repay { loan, principal_pct, income_pct, extra_fen, fee_fen }
        ),
        1 => any::<usize>().prop_map(|loan| Op::NonAccrual { loan }),
        1 => any::<usize>().prop_map(|loan| Op::WriteOff { loan }),
        2 => Just(Op::Provision),
    ]
}

/// A simulated loan: what the loan book would hold.
#[derive(Debug, Clone, Default)]
struct Loan {
    principal: Decimal,
    recognised: [Decimal; 3],
    memo: [Decimal; 3],
    special_mention: bool,
    non_accrual: bool,
    written_off: bool,
}

fn money(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

fn share(amount: Decimal, pct: i64) -> Decimal {
    round_money(amount * Decimal::from(pct) / Decimal::ONE_HUNDRED)
}

fn day(i: usize) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Days::new(u64::try_from(i).unwrap() * 2)
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// One tenant with two bank accounts, shared by all cases.
fn fixture() -> &'static (AppState, TenantRef) {
    static FIXTURE: OnceLock<(AppState, TenantRef)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        runtime().block_on(async {
            let state = AppState::connect(common::config()).await.unwrap();
            platform::migrate::migrate_database(&state.pool)
                .await
                .unwrap();
            let code = common::unique_code("prop");
            let created = provisioning::create_tenant(
                &state.pool,
                &state.config.tenancy.role_prefix,
                NewTenant {
                    code: code.clone(),
                    name: format!("性质测试 {code}"),
                    jurisdiction: None,
                    status: "active".into(),
                    admin_password: Some(common::ADMIN_PASSWORD.into()),
                },
            )
            .await
            .unwrap();
            let mut tx = tenancy::begin(&state.pool, &created.tenant).await.unwrap();
            for n in ["6222000000000001", "6222000000000002"] {
                let new = tenant_app::ledger::bank_accounts::NewBankAccount {
                    bank_name: "测试银行".into(),
                    branch_name: String::new(),
                    account_number: n.into(),
                    opened_on: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                    dedicated: false,
                    notes: String::new(),
                };
                tenant_app::ledger::bank_accounts::register(&mut tx, &actor(), new)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
            (state, created.tenant)
        })
    })
}

fn actor() -> Actor {
    Actor::system("ledger-property-test")
}

fn within(totals: &Totals, code: &AccountCode) -> Decimal {
    totals
        .iter()
        .filter(|(c, _)| c.is_within(code))
        .map(|(_, t)| t.net_debit())
        .sum()
}

struct Run {
    loans: Vec<Loan>,
    tx: TenantTx,
}

impl Run {
    async fn post(&mut self, i: usize, draft: Result<VoucherDraft, LedgerError>) {
        match draft {
            Ok(draft) => {
                ledger::post(
                    &mut self.tx,
                    &actor(),
                    &draft,
                    &Source::new("proptest", &i.to_string()),
                )
                .await
                .unwrap();
            }
            Err(LedgerError::VoucherEmpty) => {}
            Err(e) => panic!("{e}"),
        }
    }

    fn loan(&self, i: usize) -> Option<(usize, Loan)> {
        if self.loans.is_empty() {
            return None;
        }
        let i = i % self.loans.len();
        Some((i, self.loans[i].clone())).filter(|(_, l)| !l.written_off)
    }

    /// Applies one event to the ledger and to the simulated book; returns the required
    /// allowance when the event was a provisioning.
    async fn apply(&mut self, i: usize, op: &Op) -> Option<Decimal> {
        let date = day(i);
        match *op {
            Op::Payout { fen, bank, watch } => {
                self.post(
                    i,
                    ledger_rules::payout(date, &CashAccount::bank(bank).unwrap(), money(fen)),
                )
                .await;
                self.loans.push(Loan {
                    principal: money(fen),
                    special_mention: watch,
                    ..Loan::default()
                });
            }
            Op::Recognise { loan, kind, fen } => {
                let (l, state) = self.loan(loan)?;
                let basis = if state.non_accrual {
                    Basis::NonAccrual
                } else {
                    Basis::Accrual
                };
                self.post(
                    i,
                    ledger_rules::income_recognition(date, KINDS[kind], money(fen), basis),
                )
                .await;
                let target = if state.non_accrual {
                    &mut self.loans[l].memo
                } else {
                    &mut self.loans[l].recognised
                };
                target[kind] += money(fen);
            }
            Op::Repay {
                loan,
                principal_pct,
                income_pct,
                extra_fen,
                fee_fen,
            } => {
                let (l, state) = self.loan(loan)?;
                let principal = share(state.principal, principal_pct);
                let recognised = state.recognised.map(|x| share(x, income_pct));
                let off = state.memo.map(|x| share(x, income_pct));
                let part = |k: usize| IncomePart {
                    recognised: recognised[k],
                    off_balance: off[k],
                    unrecognised: if k == 0 {
                        money(extra_fen)
                    } else {
                        Decimal::ZERO
                    },
                };
                let split = RepaymentSplit {
                    principal,
                    income: IncomeParts {
                        interest: part(0),
                        penalty: part(1),
                        compound: part(2),
                    },
                    fees: money(fee_fen),
                };
                self.post(
                    i,
                    ledger_rules::repayment(date, &CashAccount::bank(1).unwrap(), &split),
                )
                .await;
                let l = &mut self.loans[l];
                l.principal -= principal;
                for k in 0..3 {
                    l.recognised[k] -= recognised[k];
                    l.memo[k] -= off[k];
                }
            }
            Op::NonAccrual { loan } => {
                let (l, state) = self.loan(loan)?;
                if state.non_accrual {
                    return None;
                }
                let r = state.recognised;
                let amounts = IncomeAmounts {
                    interest: r[0],
                    penalty: r[1],
                    compound: r[2],
                };
                self.post(i, ledger_rules::move_to_non_accrual(date, &amounts))
                    .await;
                let l = &mut self.loans[l];
                for k in 0..3 {
                    l.memo[k] += l.recognised[k];
                    l.recognised[k] = Decimal::ZERO;
                }
                l.non_accrual = true;
            }
            Op::WriteOff { loan } => {
                let (l, state) = self.loan(loan)?;
                let r = state.recognised;
                let amounts = IncomeAmounts {
                    interest: r[0],
                    penalty: r[1],
                    compound: r[2],
                };
                self.post(i, ledger_rules::write_off(date, state.principal, &amounts))
                    .await;
                let l = &mut self.loans[l];
                for k in 0..3 {
                    l.memo[k] += l.recognised[k];
                    l.recognised[k] = Decimal::ZERO;
                }
                l.principal = Decimal::ZERO;
                l.written_off = true;
            }
            Op::Provision => {
                let mut classes = allowance::ClassBalances::default();
                for l in self.loans.iter().filter(|l| !l.written_off) {
                    let slot = if l.non_accrual {
                        &mut classes.substandard
                    } else if l.special_mention {
                        &mut classes.special_mention
                    } else {
                        &mut classes.normal
                    };
                    *slot += l.principal;
                }
                let source = Source::new("proptest", &i.to_string());
                allowance::post_change(&mut self.tx, &actor(), date, &classes, &source)
                    .await
                    .unwrap();
                // LOAN-MATH "Provisions" with the default rates, each part rounded half-up.
                let required = round_money(classes.total() * Decimal::new(1, 2))
                    + round_money(classes.special_mention * Decimal::new(2, 2))
                    + round_money(classes.substandard * Decimal::new(25, 2));
                return Some(required);
            }
        }
        None
    }

    /// The invariants after every event.
    async fn check(&mut self, i: usize, required_allowance: Option<Decimal>) {
        // The database's deferred balance check runs now for every voucher so far.
        sqlx::query("set constraints all immediate")
            .execute(&mut *self.tx)
            .await
            .unwrap();
        sqlx::query("set constraints all deferred")
            .execute(&mut *self.tx)
            .await
            .unwrap();
        let unbalanced: i64 = sqlx::query_scalar(
            "select count(*) from (
                 select voucher_id from voucher_lines group by voucher_id
                 having coalesce(sum(debit) filter (where account_code !~ '^7'), 0)
                        <> coalesce(sum(credit) filter (where account_code !~ '^7'), 0)
                     or coalesce(sum(debit) filter (where account_code ~ '^7'), 0)
                        <> coalesce(sum(credit) filter (where account_code ~ '^7'), 0)) u",
        )
        .fetch_one(&mut *self.tx)
        .await
        .unwrap();
        assert_eq!(unbalanced, 0, "after event {i}");
        let drift: i64 = sqlx::query_scalar(
            "select count(*) from (
                 select account_code, sum(debit) d, sum(credit) c from voucher_lines group by account_code) l
               full join (
                 select account_code, sum(debit) d, sum(credit) c from ledger_account_totals group by account_code) t
               using (account_code)
              where l.d is distinct from t.d or l.c is distinct from t.c",
        )
        .fetch_one(&mut *self.tx)
        .await
        .unwrap();
        assert_eq!(drift, 0, "the totals follow the lines, after event {i}");

        let date = day(i);
        let accounts = ledger::chart::load(&mut self.tx).await.unwrap();
        let start = ledger::periods::month_start(date);
        let opening = ledger::balances::before_period(&mut self.tx, start)
            .await
            .unwrap();
        let period = ledger::balances::for_periods(&mut self.tx, start, start, None)
            .await
            .unwrap();
        let tb = ledger_rules::trial_balance(&accounts, &opening, &period).unwrap();
        assert!(
            tb.is_balanced(),
            "trial balance after event {i}: {:?}",
            tb.totals
        );

        let totals = ledger::balances::as_of(&mut self.tx, date).await.unwrap();
        let principal: Decimal = self.loans.iter().map(|l| l.principal).sum();
        assert_eq!(
            within(&totals, &codes::LOANS),
            principal,
            "1303 after event {i}"
        );
        let recognised: Decimal = self.loans.iter().flat_map(|l| l.recognised).sum();
        assert_eq!(
            within(&totals, &codes::INTEREST_RECEIVABLE),
            recognised,
            "1132 after event {i}"
        );
        let memo: Decimal = self.loans.iter().flat_map(|l| l.memo).sum();
        assert_eq!(
            within(&totals, &codes::OFF_BALANCE_INTEREST),
            memo,
            "7001 after event {i}"
        );
        if let Some(required) = required_allowance {
            assert_eq!(
                -within(&totals, &codes::LOAN_LOSS_ALLOWANCE),
                required,
                "1304 after event {i}"
            );
        }
    }
}

async fn run(state: &AppState, tenant: &TenantRef, ops: Vec<Op>) {
    let tx = tenancy::begin(&state.pool, tenant).await.unwrap();
    let mut run = Run {
        loans: Vec::new(),
        tx,
    };
    for (i, op) in ops.iter().enumerate() {
        let required = run.apply(i, op).await;
        run.check(i, required).await;
    }
    run.tx.rollback().await.unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        max_shrink_iters: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_sequence_of_loan_events_keeps_the_books_in_step_with_the_loan_book(ops in proptest::collection::vec(op(), 1..30)) {
        let (state, tenant) = fixture();
        runtime().block_on(run(state, tenant, ops));
    }
}
