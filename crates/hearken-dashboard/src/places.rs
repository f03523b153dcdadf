//! Coordinates of the places the report service names, from the embedded gazetteer.
//!
//! Volume grouped by city answers with keys such as "Portland, US-OR" and no coordinates, so
//! the map looks each key up in the same GeoNames extract the enricher resolved it with.

use hearken_geo::Gazetteer;

/// Latitude and longitude of a city key ("City, REGION" or "City, COUNTRY"), when the
/// gazetteer knows that city in that country.
pub(crate) fn city_coordinates(key: &str) -> Option<(f64, f64)> {
    let (city, within) = key.rsplit_once(", ")?;
    let (country, region) = match within.split_once('-') {
        Some((country, region)) => (country, Some(region)),
        None => (within, None),
    };
    let gazetteer = Gazetteer::load();
    // The resolver reads "Portland, OR" (a region code) and "Paris, FR"; "GB-ENG" style
    // regions are not written that way, so fall back to the country.
    let queries = region
        .map(|region| format!("{city}, {region}"))
        .into_iter()
        .chain([format!("{city}, {country}"), city.to_owned()]);
    for query in queries {
        let found = gazetteer.resolve_text(&query);
        let same_place = found.country_code == country
            && found.city == city
            && (found.region_code.is_empty() || found.region_code == within || region.is_none());
        if let (true, Some(latitude), Some(longitude)) =
            (same_place, found.latitude, found.longitude)
        {
            return Some((latitude, longitude));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(found: Option<(f64, f64)>, latitude: f64, longitude: f64) -> bool {
        found.is_some_and(|(a, b)| (a - latitude).abs() < 0.5 && (b - longitude).abs() < 0.5)
    }

    #[test]
    fn finds_cities_by_region_or_country() {
        let portland = city_coordinates("Portland, US-OR");
        assert!(near(portland, 45.52, -122.68), "{portland:?}");
        let maine = city_coordinates("Portland, US-ME");
        assert!(near(maine, 43.66, -70.26), "{maine:?}");
        let paris = city_coordinates("Paris, FR");
        assert!(near(paris, 48.85, 2.35), "{paris:?}");
    }

    #[test]
    fn unknown_or_malformed_keys_have_no_coordinates() {
        assert_eq!(city_coordinates("Atlantis, US-XX"), None);
        assert_eq!(city_coordinates("no comma"), None);
        assert_eq!(city_coordinates(""), None);
    }
}
