//! Behaviour of the resolver on each kind of evidence.

use hearken_geo::{Evidence, Gazetteer, LocationInput, ResolvedLocation};
use proptest::prelude::*;

fn profile(location: &str) -> ResolvedLocation {
    Gazetteer::load().resolve_text(location)
}

fn profile_in_zone(location: &str, zone: &str) -> ResolvedLocation {
    Gazetteer::load().resolve(&LocationInput {
        profile_location: Some(location),
        time_zone: Some(zone),
        ..LocationInput::default()
    })
}

fn place(r: &ResolvedLocation) -> (&str, &str, &str) {
    (
        r.country_code.as_str(),
        r.region_code.as_str(),
        r.city.as_str(),
    )
}

#[test]
fn the_embedded_gazetteer_parses_and_is_large() {
    let g = Gazetteer::parse(include_str!("../../data/gazetteer.tsv")).expect("parses");
    let shown = format!("{g:?}");
    assert!(shown.contains("cities: 34006"), "{shown}");
}

#[test]
fn malformed_gazetteers_are_errors() {
    assert!(Gazetteer::parse("X\tY\n").is_err());
    assert!(Gazetteer::parse("[cities]\nParis\t\tFR\n").is_err());
    assert!(Gazetteer::parse("[tz]\n").is_err());
}

#[test]
fn aliases_name_cities_regions_and_countries() {
    for (alias, expected) in [
        ("NYC", ("US", "US-NY", "New York City")),
        ("LA", ("US", "US-CA", "Los Angeles")),
        ("SF", ("US", "US-CA", "San Francisco")),
        ("DC", ("US", "US-DC", "Washington")),
        ("Washington, D.C.", ("US", "US-DC", "Washington")),
        ("Philly", ("US", "US-PA", "Philadelphia")),
        ("ATL", ("US", "US-GA", "Atlanta")),
        ("Chi-town", ("US", "US-IL", "Chicago")),
        ("Bay Area", ("US", "US-CA", "")),
        ("UK", ("GB", "", "")),
        ("🇬🇧", ("GB", "", "")),
        ("U.S.A.", ("US", "", "")),
    ] {
        let r = profile(alias);
        assert_eq!(place(&r), expected, "{alias}");
        assert_eq!(r.evidence, Evidence::ProfileLocation, "{alias}");
    }
}

#[test]
fn qualified_locations_pick_the_named_place() {
    for (text, expected) in [
        ("Brooklyn, NY", ("US", "US-NY", "Brooklyn")),
        ("London, UK", ("GB", "GB-ENG", "London")),
        ("San Francisco, CA", ("US", "US-CA", "San Francisco")),
        ("Paris, France", ("FR", "", "Paris")),
        ("Paris, TX", ("US", "US-TX", "Paris")),
        ("Vancouver, CA", ("CA", "CA-BC", "Vancouver")),
        ("Vancouver, WA", ("US", "US-WA", "Vancouver")),
        ("Toronto, Ontario, Canada", ("CA", "CA-ON", "Toronto")),
        ("Houston Texas", ("US", "US-TX", "Houston")),
        ("Montréal", ("CA", "CA-QC", "Montréal")),
        ("Texas, USA", ("US", "US-TX", "")),
        ("Long Island, NY", ("US", "US-NY", "")),
        ("Baton Rouge, LA", ("US", "US-LA", "Baton Rouge")),
    ] {
        assert_eq!(place(&profile(text)), expected, "{text}");
    }
}

#[test]
fn ambiguity_follows_population_then_time_zone() {
    assert_eq!(place(&profile("Portland")), ("US", "US-OR", "Portland"));
    assert_eq!(
        place(&profile_in_zone("Portland", "Pacific Time (US & Canada)")).1,
        "US-OR"
    );
    assert_eq!(
        place(&profile_in_zone("Portland", "Eastern Time (US & Canada)")).1,
        "US-ME"
    );
    assert_eq!(
        place(&profile_in_zone("Portland", "America/New_York")).1,
        "US-ME"
    );
    // A time zone tips close calls only: Paris, France is 86 times larger than Paris, Texas.
    assert_eq!(
        place(&profile_in_zone("Paris", "Central Time (US & Canada)")).0,
        "FR"
    );
    assert_eq!(place(&profile("London")).0, "GB");
    let ambiguous = profile("Portland");
    let clear = profile("Portland, OR");
    assert!(
        ambiguous.confidence < clear.confidence,
        "{ambiguous:?} vs {clear:?}"
    );
}

#[test]
fn lists_of_places_keep_what_they_agree_on() {
    assert_eq!(
        place(&profile("☂ Seattle | WA")),
        ("US", "US-WA", "Seattle")
    );
    assert_eq!(place(&profile("Long Island / Albany")), ("US", "US-NY", ""));
    assert_eq!(place(&profile("NYC | CT")), ("US", "", ""));
    assert_eq!(place(&profile("Philadelphia/Cali")), ("US", "", ""));
    assert!(!profile("Charlotte, NC | Köln, NRW").is_known());
    assert!(!profile("Miami | Puerto Rico").is_known());
    // Most parts must be places.
    assert!(!profile("NYC/RVC/CHS/WASH DC").is_known());
}

#[test]
fn bare_names_shared_by_two_countries_are_unknown_unless_one_dominates() {
    assert!(!profile("Cambridge").is_known());
    assert!(!profile("Belleville").is_known());
    assert_eq!(place(&profile("Birmingham")).0, "GB");
    assert_eq!(
        place(&profile("Cambridge, MA")),
        ("US", "US-MA", "Cambridge")
    );
}

#[test]
fn jokes_and_non_places_are_unknown() {
    for joke in [
        "somewhere over the rainbow",
        "Somewhere over the rainbow.",
        "Earth",
        "planet earth",
        "everywhere",
        "your mom's house",
        "in my own little world",
        "the internet",
        "Worldwide",
        "NEIN, London, or Maui.",
        "usa::fr::uk",
        "",
        "   ",
        "!!!",
    ] {
        let r = profile(joke);
        assert_eq!(r, ResolvedLocation::unknown(), "{joke:?}");
        assert!(!r.is_known());
    }
}

#[test]
fn coordinates_win_and_reverse_to_the_nearest_city() {
    let g = Gazetteer::load();
    let r = g.resolve(&LocationInput {
        coordinates: Some((40.6782, -73.9442)),
        profile_location: Some("London, UK"),
        ..LocationInput::default()
    });
    assert_eq!(place(&r), ("US", "US-NY", "Brooklyn"));
    assert_eq!(r.evidence, Evidence::Coordinates);
    assert_eq!((r.latitude, r.longitude), (Some(40.6782), Some(-73.9442)));
    let paris = g.resolve(&LocationInput {
        coordinates: Some((48.8566, 2.3522)),
        ..LocationInput::default()
    });
    assert_eq!(place(&paris), ("FR", "", "Paris"));
    // Across the antimeridian cell boundary: Suva, Fiji.
    let suva = g.resolve(&LocationInput {
        coordinates: Some((-18.1248, 178.4501)),
        ..LocationInput::default()
    });
    assert_eq!(suva.country_code, "FJ");
    // Mid-ocean and null-island points give no place, so the next evidence decides.
    let ocean = g.resolve(&LocationInput {
        coordinates: Some((0.0, 0.0)),
        profile_location: Some("Boston, MA"),
        ..LocationInput::default()
    });
    assert_eq!(ocean.evidence, Evidence::ProfileLocation);
    let atlantic = g.resolve(&LocationInput {
        coordinates: Some((35.0, -40.0)),
        ..LocationInput::default()
    });
    assert!(!atlantic.is_known());
    // Coordinates written into a profile by phone apps.
    assert_eq!(
        place(&profile("ÜT: 40.96513,-73.872957")),
        ("US", "US-NY", "Yonkers")
    );
}

#[test]
fn time_zones_give_a_country_at_low_confidence() {
    let g = Gazetteer::load();
    let zone = |tz: &str| {
        g.resolve(&LocationInput {
            time_zone: Some(tz),
            ..LocationInput::default()
        })
    };
    for (tz, country, region) in [
        ("Eastern Time (US & Canada)", "US", ""),
        ("Pacific Time (US & Canada)", "US", ""),
        ("Arizona", "US", "US-AZ"),
        ("London", "GB", ""),
        ("Quito", "EC", ""),
        ("America/Chicago", "US", ""),
        ("Europe/Paris", "FR", ""),
    ] {
        let r = zone(tz);
        assert_eq!(
            (
                r.country_code.as_str(),
                r.region_code.as_str(),
                r.city.as_str()
            ),
            (country, region, ""),
            "{tz}"
        );
        assert_eq!(r.evidence, Evidence::TimeZone);
        assert!(
            r.confidence > 0.0 && r.confidence <= 0.3,
            "{tz}: {}",
            r.confidence
        );
    }
    assert!(!zone("Mid-Atlantic").is_known());
    assert!(!zone("Not/AZone").is_known());
    // A joke profile falls back to the zone, which is weaker than any profile answer.
    let joke = g.resolve(&LocationInput {
        profile_location: Some("Earth"),
        time_zone: Some("Eastern Time (US & Canada)"),
        ..LocationInput::default()
    });
    assert_eq!(
        (joke.country_code.as_str(), joke.evidence),
        ("US", Evidence::TimeZone)
    );
}

#[test]
fn platform_places_outrank_profiles() {
    let r = Gazetteer::load().resolve(&LocationInput {
        place_name: Some("Brooklyn, NY"),
        profile_location: Some("Paris, France"),
        ..LocationInput::default()
    });
    assert_eq!(place(&r), ("US", "US-NY", "Brooklyn"));
    assert_eq!(r.evidence, Evidence::PlatformPlace);
    assert!(r.confidence >= 0.8);
}

#[test]
fn text_is_read_conservatively() {
    let g = Gazetteer::load();
    let text = |t: &str| {
        g.resolve(&LocationInput {
            text: Some(t),
            ..LocationInput::default()
        })
    };
    let stuck = text("@united stuck in Chicago for 5 hours again");
    assert_eq!(
        (place(&stuck), stuck.evidence),
        (("US", "US-IL", "Chicago"), Evidence::Text)
    );
    assert!(stuck.confidence <= 0.25);
    // Small towns that are also words, and lower-case words, are not read.
    assert!(
        !text("landed in Normal").is_known(),
        "Normal, Illinois has 55 k people"
    );
    assert!(!text("stuck in traffic, in the end it was fine").is_known());
    assert!(!text("I love flying").is_known());
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_strings(s in "\\PC{0,60}", tz in "\\PC{0,30}", lat in -200.0f64..200.0, lon in -400.0f64..400.0) {
        let g = Gazetteer::load();
        let r = g.resolve(&LocationInput {
            coordinates: Some((lat, lon)),
            place_name: Some(&s),
            profile_location: Some(&s),
            time_zone: Some(&tz),
            text: Some(&s),
        });
        prop_assert!((0.0..=1.0).contains(&r.confidence));
        prop_assert_eq!(r.is_known(), r.evidence != Evidence::None);
    }

    #[test]
    fn never_panics_on_place_like_strings(s in "[A-Za-z .,'/|&()-]{0,40}") {
        let r = Gazetteer::load().resolve_text(&s);
        prop_assert!((0.0..=1.0).contains(&r.confidence));
    }
}
