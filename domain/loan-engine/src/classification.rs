//! Five-level loan classification (五级分类) from days past due, with configurable bands.

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, EngineResult};

/// The five classes, from best to worst (`Ord` follows severity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoanClass {
    /// 正常.
    Normal,
    /// 关注.
    SpecialMention,
    /// 次级.
    Substandard,
    /// 可疑.
    Doubtful,
    /// 损失.
    Loss,
}

impl LoanClass {
    /// Every class, best first.
    pub const ALL: [LoanClass; 5] = [
        LoanClass::Normal,
        LoanClass::SpecialMention,
        LoanClass::Substandard,
        LoanClass::Doubtful,
        LoanClass::Loss,
    ];

    /// Stable code (`"special_mention"`).
    pub fn code(&self) -> &'static str {
        match self {
            LoanClass::Normal => "normal",
            LoanClass::SpecialMention => "special_mention",
            LoanClass::Substandard => "substandard",
            LoanClass::Doubtful => "doubtful",
            LoanClass::Loss => "loss",
        }
    }

    /// Chinese name (`"关注"`).
    pub fn name_zh(&self) -> &'static str {
        match self {
            LoanClass::Normal => "正常",
            LoanClass::SpecialMention => "关注",
            LoanClass::Substandard => "次级",
            LoanClass::Doubtful => "可疑",
            LoanClass::Loss => "损失",
        }
    }

    /// Non-performing (不良): substandard, doubtful or loss.
    pub fn is_non_performing(&self) -> bool {
        *self >= LoanClass::Substandard
    }
}

/// DPD thresholds where each class begins (jurisdiction setting; a tenant may only make them stricter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassBands {
    /// First DPD of 关注 (default 1).
    pub special_mention_from: u32,
    /// First DPD of 次级 (default 91).
    pub substandard_from: u32,
    /// First DPD of 可疑 (default 271).
    pub doubtful_from: u32,
    /// First DPD of 损失 (default 361).
    pub loss_from: u32,
}

impl Default for ClassBands {
    fn default() -> Self {
        Self {
            special_mention_from: 1,
            substandard_from: 91,
            doubtful_from: 271,
            loss_from: 361,
        }
    }
}

impl ClassBands {
    /// Checks the bands are increasing and that DPD 0 stays normal.
    pub fn validate(&self) -> EngineResult<()> {
        if self.special_mention_from == 0
            || self.special_mention_from >= self.substandard_from
            || self.substandard_from >= self.doubtful_from
            || self.doubtful_from >= self.loss_from
        {
            return Err(EngineError::new(
                "bands",
                "invalid_bands",
                "class bands must start at DPD ≥ 1 and strictly increase: special_mention < substandard < doubtful < loss",
            ));
        }
        Ok(())
    }

    /// Checks tenant bands against the jurisdiction's: each class may start earlier (stricter), never later.
    pub fn check_not_looser_than(&self, jurisdiction: &ClassBands) -> EngineResult<()> {
        self.validate()?;
        let looser = self.special_mention_from > jurisdiction.special_mention_from
            || self.substandard_from > jurisdiction.substandard_from
            || self.doubtful_from > jurisdiction.doubtful_from
            || self.loss_from > jurisdiction.loss_from;
        if looser {
            return Err(EngineError::new(
                "bands",
                "bands_looser_than_jurisdiction",
                "a tenant may make the class bands stricter than the jurisdiction's, never looser",
            ));
        }
        Ok(())
    }

    /// The class a DPD falls in.
    pub fn class_for_dpd(&self, dpd: u32) -> LoanClass {
        if dpd >= self.loss_from {
            LoanClass::Loss
        } else if dpd >= self.doubtful_from {
            LoanClass::Doubtful
        } else if dpd >= self.substandard_from {
            LoanClass::Substandard
        } else if dpd >= self.special_mention_from {
            LoanClass::SpecialMention
        } else {
            LoanClass::Normal
        }
    }
}

/// The rule class of a loan: by DPD, and at least 关注 when extended or restructured.
pub fn classify(dpd: u32, bands: &ClassBands, extended_or_restructured: bool) -> LoanClass {
    let by_dpd = bands.class_for_dpd(dpd);
    if extended_or_restructured {
        by_dpd.max(LoanClass::SpecialMention)
    } else {
        by_dpd
    }
}

/// How a manual classification takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManualEffect {
    /// Worse than (or equal to) the rule: takes effect at once.
    Immediate,
    /// Better than the rule: needs a second user's approval.
    NeedsApproval,
}

/// Whether a manual class (with a reason, recorded by the caller) applies at once or waits for a second approval.
pub fn manual_classification_effect(rule: LoanClass, manual: LoanClass) -> ManualEffect {
    if manual >= rule {
        ManualEffect::Immediate
    } else {
        ManualEffect::NeedsApproval
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn default_bands() {
        let b = ClassBands::default();
        let cases = [
            (0, LoanClass::Normal),
            (1, LoanClass::SpecialMention),
            (90, LoanClass::SpecialMention),
            (91, LoanClass::Substandard),
            (270, LoanClass::Substandard),
            (271, LoanClass::Doubtful),
            (360, LoanClass::Doubtful),
            (361, LoanClass::Loss),
        ];
        for (dpd, class) in cases {
            assert_eq!(b.class_for_dpd(dpd), class, "dpd {dpd}");
        }
        assert!(!LoanClass::SpecialMention.is_non_performing());
        assert!(LoanClass::Substandard.is_non_performing());
    }

    #[test]
    fn extended_floor() {
        let b = ClassBands::default();
        assert_eq!(classify(0, &b, true), LoanClass::SpecialMention);
        assert_eq!(classify(100, &b, true), LoanClass::Substandard);
        assert_eq!(classify(0, &b, false), LoanClass::Normal);
    }

    #[test]
    fn tenant_may_only_be_stricter() {
        let j = ClassBands::default();
        let stricter = ClassBands {
            substandard_from: 61,
            ..j
        };
        assert!(stricter.check_not_looser_than(&j).is_ok());
        let looser = ClassBands {
            substandard_from: 121,
            ..j
        };
        assert_eq!(
            looser.check_not_looser_than(&j).unwrap_err().code,
            "bands_looser_than_jurisdiction"
        );
        assert_eq!(stricter.class_for_dpd(61), LoanClass::Substandard);
    }

    #[test]
    fn manual() {
        use ManualEffect::*;
        assert_eq!(
            manual_classification_effect(LoanClass::Normal, LoanClass::Substandard),
            Immediate
        );
        assert_eq!(
            manual_classification_effect(LoanClass::Substandard, LoanClass::Normal),
            NeedsApproval
        );
    }
}
