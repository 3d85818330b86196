//! `--format junit`: one test case per scenario × proposal × kernel (suites per scenario), a
//! failure carrying the verdicts and the counterexample when the verdict differs.

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::check::CheckReport;
use crate::report::matrix::details;

/// The JUnit XML document of a run.
pub fn render(report: &CheckReport) -> String {
    let mut r = Report::new("pincheck");
    r.set_time(report.elapsed);
    for s in &report.scenarios {
        let mut suite = TestSuite::new(s.name.clone());
        suite.add_property(Property::new("file", s.path.display().to_string()));
        suite.add_property(Property::new("hash", s.hash.clone()));
        for c in report.cells.iter().filter(|c| c.scenario.name == s.name) {
            let status = if c.matches() {
                TestCaseStatus::success()
            } else {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                st.set_message(format!("verdict {}, expected {}", c.verdict, c.expected));
                st.set_type(c.verdict.to_string());
                st.set_description(details(c, false));
                st
            };
            let mut case = TestCase::new(format!("{}@{}", c.proposal, c.kernel), status);
            case.set_classname(s.name.clone());
            case.set_time(c.explored.runs.iter().map(|r| r.elapsed).sum());
            for run in &c.explored.runs {
                case.add_property(Property::new(
                    format!("{}.mode", run.engine),
                    run.mode.clone(),
                ));
                case.add_property(Property::new(
                    format!("{}.executions", run.engine),
                    run.executions.to_string(),
                ));
            }
            case.add_property(Property::new("verdict", c.verdict.to_string()));
            suite.add_test_case(case);
        }
        r.add_test_suite(suite);
    }
    r.to_string().unwrap_or_default()
}
