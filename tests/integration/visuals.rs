//! What report.html and the comparison draw on top of the record: the
//! sequence diagram of every failing or warned trial (inline SVG, no
//! script, each arrow a working link to its evidence, the step that broke
//! marked) and the grades per target and catalogue area.
//!
//! Uses the two full runs `reports` makes once (correct, and with
//! `code.single-use` + `pkce.downgrade`).

use std::collections::HashSet;

use oauthcheck::report::{compare, grade, html};
use oauthcheck::run::Outcome;
use scraper::{Html, Selector};

use crate::reports::{FLAWS, correct_run, flawed_run};

fn select(css: &str) -> Selector {
    Selector::parse(css).expect("a selector")
}

#[test]
fn every_failing_or_warned_trial_has_a_diagram_linking_to_its_evidence() {
    let run = flawed_run();
    let page = html::render(run).expect("report.html renders");
    let doc = Html::parse_document(&page);
    let drawn: Vec<&oauthcheck::run::TrialReport> = run
        .trials
        .iter()
        .filter(|t| matches!(t.outcome, Outcome::Fail | Outcome::Warn) && !t.exchanges.is_empty())
        .collect();
    assert!(!drawn.is_empty(), "the flawed run fails trials");
    let figures: Vec<_> = doc.select(&select("tr.flow-row figure.flow")).collect();
    assert_eq!(
        figures.len(),
        drawn.len(),
        "one diagram per failing or warned trial"
    );

    let ids: HashSet<&str> = doc
        .select(&select("[id]"))
        .filter_map(|e| e.value().attr("id"))
        .collect();
    for figure in &figures {
        let svg = figure.select(&select("svg")).next().expect("inline SVG");
        let lanes: Vec<String> = svg
            .select(&select("text.lane"))
            .map(|t| t.text().collect())
            .collect();
        assert_eq!(
            lanes,
            ["user agent", "client (oauthcheck)", "authorization server"]
        );
        let arrows: Vec<_> = svg.select(&select("a")).collect();
        assert!(arrows.len() >= 2, "a request and its response at least");
        for arrow in &arrows {
            let href = arrow.value().attr("href").expect("each arrow is a link");
            let target = href.strip_prefix('#').expect("a link within the page");
            assert!(ids.contains(target), "the arrow's evidence `{href}` exists");
        }
        assert!(
            svg.select(&select("a.broken")).next().is_some(),
            "the step that broke is marked"
        );
        // Nothing in the drawing can run: no script, no event handlers.
        for element in svg.descendants().filter_map(scraper::ElementRef::wrap) {
            assert_ne!(element.value().name(), "script");
            assert!(
                element
                    .value()
                    .attrs()
                    .all(|(name, _)| !name.starts_with("on")),
                "an event handler in the SVG"
            );
        }
    }
    assert_eq!(
        doc.select(&select("script")).count(),
        1,
        "still only the filter script"
    );

    // code.single-use broke at its second token request: only the token
    // exchanges of that step are marked, on the client's lane.
    let single_use = doc
        .select(&select("figure.flow"))
        .find(|f| {
            f.value()
                .attr("aria-label")
                .or_else(|| f.select(&select("svg")).next()?.value().attr("aria-label"))
                .is_some_and(|l| l.ends_with("code.single-use"))
        })
        .expect("code.single-use has a diagram");
    let broken: Vec<String> = single_use
        .select(&select("a.broken.request text"))
        .map(|t| t.text().collect())
        .collect();
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert!(broken[0].contains("POST /token"), "{broken:?}");
    let client_lane = "410";
    let request = single_use
        .select(&select("a.broken.request line"))
        .next()
        .expect("the broken request's arrow");
    assert_eq!(
        request.value().attr("x1"),
        Some(client_lane),
        "the client sent it"
    );

    // The correct run fails nothing: no diagram at all.
    let correct = html::render(correct_run()).expect("renders");
    assert!(
        !correct.contains("<figure class=\"flow"),
        "no diagram without a finding"
    );
}

#[test]
fn compare_grades_each_target_overall_and_per_area() {
    let matrix = compare::matrix(&[correct_run().clone(), flawed_run().clone()]);
    let grades = &matrix.grades;
    let correct_totals = &matrix.columns[0].totals;
    assert_eq!(correct_totals.failed, 0);
    let expected_correct = if correct_totals.warned == 0 { "A" } else { "B" };
    assert_eq!(
        grades.overall[0].word(),
        expected_correct,
        "{}",
        grades.overall[0].reason
    );
    // code.single-use is a critical MUST: the flawed server gets an F.
    assert_eq!(
        grades.overall[1].word(),
        "F",
        "{}",
        grades.overall[1].reason
    );
    assert!(
        grades.overall[1].reason.contains("critical"),
        "{}",
        grades.overall[1].reason
    );

    // Per area: the flawed areas drop, the others grade as the correct run.
    let flawed_areas: HashSet<&str> = FLAWS
        .iter()
        .map(|f| f.id().split_once('.').expect("area.name").0)
        .collect();
    for area in &grades.areas {
        let (correct, flawed) = (&area.grades[0], &area.grades[1]);
        if flawed_areas.contains(area.area.as_str()) {
            assert!(flawed.letter > correct.letter, "{}: {flawed:?}", area.area);
        } else {
            let failing = flawed_run()
                .trials
                .iter()
                .any(|t| grade::area(t) == area.area && t.outcome == Outcome::Fail);
            if !failing {
                assert_eq!(flawed.letter, correct.letter, "{}", area.area);
            }
        }
        assert_eq!(correct.total, flawed.total, "both runs had the same trials");
    }
    assert!(grades.areas.iter().any(|a| a.area == "code"));

    // Every rendering shows them.
    let markdown = compare::render_markdown(&matrix);
    assert!(
        markdown.contains(&format!("| **overall** | **{expected_correct}** (")),
        "{markdown}"
    );
    let page = compare::render_html(&matrix).expect("renders");
    let doc = Html::parse_document(&page);
    let rows = doc
        .select(&select("table.grades tbody tr:not(.reasons)"))
        .count();
    assert_eq!(rows, 1 + grades.areas.len(), "overall and one row per area");
    let json: serde_json::Value =
        serde_json::from_str(&compare::render_json(&matrix).expect("JSON")).expect("parses");
    assert_eq!(json["grades"]["overall"][1]["letter"], "F");
}
