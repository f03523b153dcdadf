//! Precision and recall on hand-labelled profile locations from the airline tweets
//! (fixture: `fixtures/airline_locations.tsv`, CC BY-NC-SA 4.0, see its README).

use hearken_geo::{Evidence, Gazetteer, LocationInput};

struct Row<'a> {
    location: &'a str,
    time_zone: &'a str,
    country: &'a str,
    city: &'a str,
}

/// 330 most frequent locations, labels pre-filled by an early resolver run and corrected by hand.
const REVIEWED: &str = include_str!("fixtures/airline_locations.tsv");
/// 120 random rarer locations, labelled by hand before the resolver saw them.
const BLIND: &str = include_str!("fixtures/airline_locations_blind.tsv");

fn rows() -> Vec<Row<'static>> {
    parse(REVIEWED).into_iter().chain(parse(BLIND)).collect()
}

fn parse(fixture: &'static str) -> Vec<Row<'static>> {
    fixture
        .lines()
        .skip(1) // the header; locations themselves may start with '#' ("#Omaha")
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 6, "fixture line has 6 fields: {l:?}");
            Row {
                location: f[0],
                time_zone: f[1],
                country: f[3],
                city: f[5],
            }
        })
        .collect()
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

#[test]
fn fixture_has_at_least_300_distinct_locations() {
    let rows = rows();
    let mut distinct: Vec<&str> = rows.iter().map(|r| r.location).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(
        distinct.len() >= 300,
        "{} distinct locations",
        distinct.len()
    );
    assert_eq!(distinct.len(), rows.len(), "one row per location");
}

/// Judges answers decided by the profile location; answers that fell back to the time zone
/// are weak by design (confidence ≤ 0.3) and are reported apart.
#[test]
fn profile_locations_resolve_precisely() {
    let all = rows();
    evaluate("blind", &parse(BLIND));
    let (country_precision, city_precision) = evaluate("all", &all);
    assert!(
        country_precision >= 0.95,
        "country precision {country_precision:.3}"
    );
    assert!(city_precision >= 0.85, "city precision {city_precision:.3}");
}

/// Prints precision and recall of `rows`, and returns country and city precision.
fn evaluate(name: &str, rows: &[Row<'_>]) -> (f64, f64) {
    let g = Gazetteer::load();
    let (mut judged, mut country_ok, mut labelled_countries) = (0, 0, 0);
    let (mut cities_given, mut city_ok, mut labelled_cities) = (0, 0, 0);
    let (mut zone_answers, mut zone_ok) = (0, 0);
    let mut wrong = Vec::new();
    for row in rows {
        let answer = g.resolve(&LocationInput {
            profile_location: Some(row.location),
            time_zone: Some(row.time_zone).filter(|t| !t.is_empty()),
            ..LocationInput::default()
        });
        labelled_countries += usize::from(!row.country.is_empty());
        labelled_cities += usize::from(!row.city.is_empty());
        match answer.evidence {
            Evidence::ProfileLocation => {
                judged += 1;
                if answer.country_code == row.country {
                    country_ok += 1;
                } else {
                    wrong.push(format!(
                        "{:?} → {} (label {:?})",
                        row.location, answer.country_code, row.country
                    ));
                }
                if !answer.city.is_empty() {
                    cities_given += 1;
                    if answer.city.eq_ignore_ascii_case(row.city) {
                        city_ok += 1;
                    } else {
                        wrong.push(format!(
                            "{:?} → city {} (label {:?})",
                            row.location, answer.city, row.city
                        ));
                    }
                }
            }
            Evidence::TimeZone => {
                if !row.country.is_empty() {
                    zone_answers += 1;
                    zone_ok += usize::from(answer.country_code == row.country);
                }
            }
            Evidence::None => {}
            other => panic!("no other evidence was given, got {other:?}"),
        }
    }
    let country_precision = ratio(country_ok, judged);
    let city_precision = ratio(city_ok, cities_given);
    println!(
        "{name}: {} rows; countries: precision {country_precision:.3} ({country_ok}/{judged}), recall {:.3} ({country_ok}/{labelled_countries}); \
         cities: precision {city_precision:.3} ({city_ok}/{cities_given}), recall {:.3} ({city_ok}/{labelled_cities}); \
         time-zone fallback on labelled rows: {zone_ok}/{zone_answers} right",
        rows.len(),
        ratio(country_ok, labelled_countries),
        ratio(city_ok, labelled_cities),
    );
    for w in &wrong {
        println!("  {name} miss: {w}");
    }
    (country_precision, city_precision)
}
