//! Random sequences of loan and funding events against a simple model of the loan book:
//! every voucher balances, the ledger balances, and 1303, 1132, the memo and 1304 follow the book.

use chrono::NaiveDate;
use ledger_rules::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

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
    Recover {
        loan: usize,
        principal_fen: i64,
        income_pct: i64,
    },
    Waive {
        loan: usize,
        pct: i64,
    },
    Provision,
    Upfront {
        fen: i64,
        release_pct: i64,
    },
    Borrow {
        kind: usize,
        fen: i64,
        repay_pct: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let fen = 1i64..100_000_000;
    let pct = 0i64..=100;
    prop_oneof![
        (fen.clone(), 1u32..=2).prop_map(|(fen, bank)| Op::Payout { fen, bank }),
        (any::<usize>(), 0usize..3, 0i64..5_000_000).prop_map(|(loan, kind, fen)| Op::Recognise {
            loan,
            kind,
            fen
        }),
        (
            any::<usize>(),
            pct.clone(),
            pct.clone(),
            0i64..100_000,
            0i64..10_000
        )
            .prop_map(
                |(loan, principal_pct, income_pct, extra_fen, fee_fen)| Op::Repay {
                    loan,
                    principal_pct,
                    income_pct,
                    extra_fen,
                    fee_fen
                }
            ),
        any::<usize>().prop_map(|loan| Op::NonAccrual { loan }),
        any::<usize>().prop_map(|loan| Op::WriteOff { loan }),
        (any::<usize>(), 0i64..10_000_000, pct.clone()).prop_map(
            |(loan, principal_fen, income_pct)| Op::Recover {
                loan,
                principal_fen,
                income_pct
            }
        ),
        (any::<usize>(), pct.clone()).prop_map(|(loan, pct)| Op::Waive { loan, pct }),
        Just(Op::Provision),
        (fen.clone(), pct.clone()).prop_map(|(fen, release_pct)| Op::Upfront { fen, release_pct }),
        (0usize..8, fen, pct).prop_map(|(kind, fen, repay_pct)| Op::Borrow {
            kind,
            fen,
            repay_pct
        }),
    ]
}

#[derive(Debug, Clone, Default)]
struct Loan {
    principal: Decimal,
    recognised: [Decimal; 3],
    memo: [Decimal; 3],
    non_accrual: bool,
    written_off: bool,
}

#[derive(Debug, Default)]
struct Book {
    loans: Vec<Loan>,
    allowance: Decimal,
    vouchers: Vec<VoucherDraft>,
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default()
}

fn money(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

fn share(amount: Decimal, pct: i64) -> Decimal {
    round_money(amount * Decimal::from(pct) / Decimal::ONE_HUNDRED)
}

fn bank(n: u32) -> CashAccount {
    CashAccount::bank(n).unwrap_or_else(|e| panic!("{e}"))
}

fn amounts(a: [Decimal; 3]) -> IncomeAmounts {
    IncomeAmounts {
        interest: a[0],
        penalty: a[1],
        compound: a[2],
    }
}

fn parts(
    recognised: [Decimal; 3],
    off_balance: [Decimal; 3],
    unrecognised: [Decimal; 3],
) -> IncomeParts {
    let part = |i: usize| IncomePart {
        recognised: recognised[i],
        off_balance: off_balance[i],
        unrecognised: unrecognised[i],
    };
    IncomeParts {
        interest: part(0),
        penalty: part(1),
        compound: part(2),
    }
}

impl Book {
    /// Keeps a voucher; an all-zero event produces none.
    fn post(&mut self, v: Result<VoucherDraft, LedgerError>) {
        match v {
            Ok(v) => self.vouchers.push(v),
            Err(LedgerError::VoucherEmpty) => {}
            Err(e) => panic!("{e}"),
        }
    }

    fn loan(&mut self, i: usize) -> Option<(usize, Loan)> {
        if self.loans.is_empty() {
            return None;
        }
        let i = i % self.loans.len();
        Some((i, self.loans[i].clone()))
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Payout { fen, bank: b } => {
                self.post(payout(day(), &bank(b), money(fen)));
                self.loans.push(Loan {
                    principal: money(fen),
                    ..Loan::default()
                });
            }
            Op::Recognise { loan, kind, fen } => {
                let Some((i, l)) = self.loan(loan) else {
                    return;
                };
                if l.written_off {
                    return;
                }
                let basis = if l.non_accrual {
                    Basis::NonAccrual
                } else {
                    Basis::Accrual
                };
                self.post(income_recognition(day(), KINDS[kind], money(fen), basis));
                let l = &mut self.loans[i];
                if l.non_accrual {
                    l.memo[kind] += money(fen);
                } else {
                    l.recognised[kind] += money(fen);
                }
            }
            Op::Repay {
                loan,
                principal_pct,
                income_pct,
                extra_fen,
                fee_fen,
            } => {
                let Some((i, l)) = self.loan(loan) else {
                    return;
                };
                if l.written_off {
                    return;
                }
                let principal = share(l.principal, principal_pct);
                let recognised = l.recognised.map(|x| share(x, income_pct));
                let off = l.memo.map(|x| share(x, income_pct));
                let unrecognised = [money(extra_fen), Decimal::ZERO, Decimal::ZERO];
                let split = RepaymentSplit {
                    principal,
                    income: parts(recognised, off, unrecognised),
                    fees: money(fee_fen),
                };
                self.post(repayment(day(), &bank(1), &split));
                let l = &mut self.loans[i];
                l.principal -= principal;
                for k in 0..3 {
                    l.recognised[k] -= recognised[k];
                    l.memo[k] -= off[k];
                }
            }
            Op::NonAccrual { loan } => {
                let Some((i, l)) = self.loan(loan) else {
                    return;
                };
                if l.non_accrual || l.written_off {
                    return;
                }
                self.post(move_to_non_accrual(day(), &amounts(l.recognised)));
                let l = &mut self.loans[i];
                for k in 0..3 {
                    l.memo[k] += l.recognised[k];
                    l.recognised[k] = Decimal::ZERO;
                }
                l.non_accrual = true;
            }
            Op::WriteOff { loan } => {
                let Some((i, l)) = self.loan(loan) else {
                    return;
                };
                if l.written_off || l.principal.is_zero() {
                    return;
                }
                self.post(write_off(day(), l.principal, &amounts(l.recognised)));
                self.allowance -= l.principal;
                let l = &mut self.loans[i];
                for k in 0..3 {
                    l.memo[k] += l.recognised[k];
                    l.recognised[k] = Decimal::ZERO;
                }
                l.principal = Decimal::ZERO;
                l.written_off = true;
                l.non_accrual = true;
            }
            Op::Recover {
                loan,
                principal_fen,
                income_pct,
            } => {
                let Some((i, l)) = self.loan(loan) else {
                    return;
                };
                if !l.written_off {
                    return;
                }
                let off = l.memo.map(|x| share(x, income_pct));
                let zero = [Decimal::ZERO; 3];
                self.post(recovery_after_write_off(
                    day(),
                    &bank(2),
                    money(principal_fen),
                    &parts(zero, off, zero),
                ));
                self.allowance += money(principal_fen);
                for (memo, paid) in self.loans[i].memo.iter_mut().zip(off) {
                    *memo -= paid;
                }
            }
            Op::Waive { loan, pct } => {
                let Some((i, l)) = self.loan(loan) else {
                    return;
                };
                let recognised = l.recognised.map(|x| share(x, pct));
                let off = l.memo.map(|x| share(x, pct));
                self.post(waiver(day(), &parts(recognised, off, [Decimal::ZERO; 3])));
                let l = &mut self.loans[i];
                for k in 0..3 {
                    l.recognised[k] -= recognised[k];
                    l.memo[k] -= off[k];
                }
            }
            Op::Provision => {
                // LOAN-MATH "Provisions" with the default rates: 1 % of all loans, 25 % more
                // on non-accrual (次级) ones.
                let (mut total, mut substandard) = (Decimal::ZERO, Decimal::ZERO);
                for l in &self.loans {
                    total += l.principal;
                    if l.non_accrual {
                        substandard += l.principal;
                    }
                }
                let required = round_money(total * Decimal::new(1, 2))
                    + round_money(substandard * Decimal::new(25, 2));
                match provision_change(day(), self.allowance, required) {
                    Ok(Some(v)) => self.vouchers.push(v),
                    Ok(None) => {}
                    Err(e) => panic!("{e}"),
                }
                self.allowance = required;
            }
            Op::Upfront { fen, release_pct } => {
                self.post(upfront_interest_received(day(), &bank(1), money(fen)));
                self.post(upfront_interest_release(
                    day(),
                    share(money(fen), release_pct),
                ));
            }
            Op::Borrow {
                kind,
                fen,
                repay_pct,
            } => {
                let borrowing = [
                    Borrowing::ShortTerm(LenderKind::Bank),
                    Borrowing::ShortTerm(LenderKind::Shareholder),
                    Borrowing::ShortTerm(LenderKind::OtherNonStandard),
                    Borrowing::LongTerm(LenderKind::Bank),
                    Borrowing::LongTerm(LenderKind::Shareholder),
                    Borrowing::LongTerm(LenderKind::OtherNonStandard),
                    Borrowing::Bonds,
                    Borrowing::Abs,
                ][kind];
                self.post(borrowing_drawn(day(), &bank(2), borrowing, money(fen)));
                self.post(borrowing_repaid(
                    day(),
                    &bank(2),
                    borrowing,
                    share(money(fen), repay_pct),
                ));
                self.post(interest_expense(
                    day(),
                    share(money(fen), 1),
                    &ExpenseSettlement::Accrued,
                ));
            }
        }
    }
}

fn accounts() -> Vec<AccountSeed> {
    let mut accounts = chart_of_accounts();
    for n in 1..=2 {
        accounts.push(
            bank_sub_account(n, "银行账户", "Bank account").unwrap_or_else(|e| panic!("{e}")),
        );
    }
    accounts
}

fn check(book: &Book, accounts: &[AccountSeed]) -> Result<(), TestCaseError> {
    for v in &book.vouchers {
        prop_assert!(v.is_balanced());
        let off: Decimal = v
            .lines()
            .iter()
            .filter(|l| l.account.is_off_balance())
            .map(PostingLine::net_debit)
            .sum();
        prop_assert_eq!(off, Decimal::ZERO);
    }
    let totals = Totals::from_vouchers(&book.vouchers, Closing::Include);
    let tb = trial_balance(accounts, &Totals::new(), &totals)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(tb.is_balanced());
    let principal: Decimal = book.loans.iter().map(|l| l.principal).sum();
    prop_assert_eq!(totals.net_debit(&chart::LOANS), principal);
    let recognised: Decimal = book.loans.iter().flat_map(|l| l.recognised).sum();
    prop_assert_eq!(totals.net_debit(&chart::INTEREST_RECEIVABLE), recognised);
    for (k, kind) in KINDS.iter().enumerate() {
        let memo: Decimal = book.loans.iter().map(|l| l.memo[k]).sum();
        prop_assert_eq!(totals.net_debit(&kind.off_balance_account()), memo);
    }
    let memo: Decimal = book.loans.iter().flat_map(|l| l.memo).sum();
    prop_assert_eq!(-totals.net_debit(&chart::OFF_BALANCE_CONTRA), memo);
    prop_assert_eq!(
        -totals.net_debit(&chart::LOAN_LOSS_ALLOWANCE),
        book.allowance
    );
    let bs = balance_sheet(accounts, &totals).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(bs.total_assets, bs.total_liabilities_and_equity);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_sequence_of_events_keeps_the_ledger_balanced_and_in_step_with_the_book(
        ops in prop::collection::vec(op(), 1..40),
    ) {
        let accounts = accounts();
        let mut book = Book::default();
        for op in &ops {
            book.apply(op);
            check(&book, &accounts)?;
        }
        // Closing the period keeps net assets and empties income and expenses.
        let totals = Totals::from_vouchers(&book.vouchers, Closing::Include);
        let before = net_assets(&accounts, &totals).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let profit = income_statement(&accounts, &totals).map_err(|e| TestCaseError::fail(e.to_string()))?.net_profit;
        if let Some(carry) = profit_carry(day(), &accounts, &totals).map_err(|e| TestCaseError::fail(e.to_string()))? {
            book.vouchers.push(carry);
        }
        let totals = Totals::from_vouchers(&book.vouchers, Closing::Include);
        prop_assert_eq!(net_assets(&accounts, &totals).ok(), Some(before));
        prop_assert_eq!(-totals.net_debit(&chart::CURRENT_YEAR_PROFIT), profit);
        let period = Totals::from_vouchers(&book.vouchers, Closing::Exclude);
        prop_assert_eq!(income_statement(&accounts, &period).ok().map(|i| i.net_profit), Some(profit));
        check(&book, &accounts)?;
    }

    #[test]
    fn a_reversal_restores_the_balances(
        ops in prop::collection::vec(op(), 1..25),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut book = Book::default();
        for op in &ops {
            book.apply(op);
        }
        prop_assume!(!book.vouchers.is_empty());
        let i = pick.index(book.vouchers.len());
        let reversal = reverse(&book.vouchers[i], "测试冲销").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let with_reversal = Totals::from_vouchers(book.vouchers.iter().chain([&reversal]), Closing::Include);
        let without = Totals::from_vouchers(
            book.vouchers.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, v)| v),
            Closing::Include,
        );
        for (code, total) in with_reversal.iter() {
            prop_assert_eq!(total.net_debit(), without.net_debit(code), "{}", code);
        }
        // Reversing everything leaves nothing.
        let mut all = book.vouchers.clone();
        for v in &book.vouchers {
            all.push(reverse(v, "全部冲销").map_err(|e| TestCaseError::fail(e.to_string()))?);
        }
        for (_, total) in Totals::from_vouchers(&all, Closing::Include).iter() {
            prop_assert_eq!(total.net_debit(), Decimal::ZERO);
        }
    }
}
