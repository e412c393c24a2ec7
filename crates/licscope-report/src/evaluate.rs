//! Evaluation: which records are taken (feature globs), and what a set of records says as one
//! check state, by the rule of `licscope check`.
//!
//! A record's own severity comes from the [`Policy`](licscope_normalize::Policy) it was
//! normalized with (the warning and critical windows, usage over the limit, the flags); this
//! module adds them up.

use licscope_normalize::{LicenseRecord, Severity};

/// Which records are taken: by feature name, with shell globs (`*` any run of characters, `?` one
/// character), as `--feature` and `--exclude-feature` select them.
///
/// A record is taken when no include pattern is given or one matches its feature, and no
/// exclude pattern matches it. A record without a feature name is matched as the empty name.
///
/// ```
/// use licscope_report::Selection;
///
/// let selection = Selection::new()
///     .include("Data Center*")
///     .exclude("*Assurance");
/// assert!(selection.takes_feature("Data Center Licenses"));
/// assert!(!selection.takes_feature("Data Center Assurance"));
/// assert!(!selection.takes_feature("Lifecycle"));
/// assert!(Selection::new().takes_feature("anything"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl Selection {
    /// Every record.
    pub fn new() -> Selection {
        Selection::default()
    }

    /// Also takes the features that match `glob` (and, once one is given, only those).
    #[must_use]
    pub fn include(mut self, glob: impl Into<String>) -> Selection {
        self.include.push(glob.into());
        self
    }

    /// Leaves out the features that match `glob`.
    #[must_use]
    pub fn exclude(mut self, glob: impl Into<String>) -> Selection {
        self.exclude.push(glob.into());
        self
    }

    /// Whether a record with this feature name is taken.
    pub fn takes_feature(&self, feature: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|g| glob_match(g, feature)))
            && !self.exclude.iter().any(|g| glob_match(g, feature))
    }

    /// Whether `record` is taken.
    pub fn takes(&self, record: &LicenseRecord) -> bool {
        self.takes_feature(record.feature.as_deref().unwrap_or(""))
    }
}

/// Records and failed inputs added up into one state, worst first: CRITICAL over WARNING over
/// UNKNOWN over OK; a failed input counts as UNKNOWN, and no records at all is UNKNOWN. This is
/// the state of `licscope check` (its exit status is [`Summary::nagios_code`]).
///
/// ```
/// use licscope_normalize::Severity;
/// use licscope_report::Summary;
///
/// let mut summary = Summary::new();
/// assert_eq!(summary.state(), Severity::Unknown); // nothing seen yet
/// summary.add(Severity::Ok);
/// summary.add(Severity::Warning);
/// assert_eq!(summary.state(), Severity::Warning);
/// summary.add_failed_input();
/// assert_eq!(summary.state(), Severity::Warning); // a warning is worse than a failed input
/// assert_eq!((summary.records(), summary.count(Severity::Ok), summary.failed_inputs()), (2, 1, 1));
/// assert_eq!(summary.nagios_code(), 1);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records by Nagios code: ok, warning, critical, unknown.
    counts: [usize; 4],
    failed_inputs: usize,
}

impl Summary {
    /// Nothing seen.
    pub fn new() -> Summary {
        Summary::default()
    }

    /// Counts a record of this severity.
    pub fn add(&mut self, severity: Severity) {
        self.counts[usize::from(severity.nagios_code().min(3))] += 1;
    }

    /// Counts a record.
    pub fn add_record(&mut self, record: &LicenseRecord) {
        self.add(record.severity);
    }

    /// Counts an input that could not be read or decoded.
    pub fn add_failed_input(&mut self) {
        self.failed_inputs += 1;
    }

    /// Adds what `other` counted.
    pub fn merge(&mut self, other: &Summary) {
        for (total, n) in self.counts.iter_mut().zip(other.counts) {
            *total += n;
        }
        self.failed_inputs += other.failed_inputs;
    }

    /// Records counted.
    pub fn records(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Records of this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.counts[usize::from(severity.nagios_code().min(3))]
    }

    /// Inputs that failed.
    pub fn failed_inputs(&self) -> usize {
        self.failed_inputs
    }

    /// The one state of everything counted.
    pub fn state(&self) -> Severity {
        let [_, warning, critical, unknown] = self.counts;
        if critical > 0 {
            Severity::Critical
        } else if warning > 0 {
            Severity::Warning
        } else if unknown > 0 || self.failed_inputs > 0 || self.records() == 0 {
            Severity::Unknown
        } else {
            Severity::Ok
        }
    }

    /// The state as a plugin's exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    pub fn nagios_code(&self) -> u8 {
        self.state().nagios_code()
    }
}

/// Whether `text` matches the glob `pattern`: `*` any run of characters, `?` one character.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and the text position it matched up to: backtrack there.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs_match_like_a_shell() {
        assert!(glob_match("*", ""));
        assert!(glob_match("Data Center*", "Data Center Assurance"));
        assert!(glob_match("*Assurance", "Wireless Assurance"));
        assert!(glob_match("A?sur*e", "Assurance"));
        assert!(glob_match("*a*b*c*", "xxaxxbxxcxx"));
        assert!(!glob_match("Data*", "Big Data"));
        assert!(!glob_match("?", ""));
        assert!(!glob_match("a*b", "a-b-c"));
        assert!(glob_match("é*", "élan"));
    }
}
