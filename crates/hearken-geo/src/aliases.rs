//! Hand-written aliases: nicknames and abbreviations that GeoNames does not carry, or carries
//! among so many transliterations that we drop them. Keys are normalised (see
//! [`crate::normalize::normalize`]); an alias applies to a whole location string or to its
//! leading place, never to a trailing qualifier, so "LA" is Los Angeles while "Baton Rouge, LA"
//! is Louisiana.

/// What an alias stands for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// A city by GeoNames name, country and admin1 code.
    City(&'static str, &'static str, &'static str),
    /// A subdivision by ISO 3166-2 code.
    Region(&'static str),
    /// A country by ISO 3166-1 alpha-2 code.
    Country(&'static str),
}

use Target::{City, Country, Region};

pub(crate) const ALIASES: &[(&str, Target)] = &[
    // New York City and its boroughs' nicknames.
    ("nyc", City("New York City", "US", "NY")),
    ("new york", City("New York City", "US", "NY")),
    ("new york city", City("New York City", "US", "NY")),
    ("ny ny", City("New York City", "US", "NY")),
    ("big apple", City("New York City", "US", "NY")),
    ("the big apple", City("New York City", "US", "NY")),
    ("bk", City("Brooklyn", "US", "NY")),
    ("bklyn", City("Brooklyn", "US", "NY")),
    ("the bronx", City("The Bronx", "US", "NY")),
    ("bronx", City("The Bronx", "US", "NY")),
    // Other US cities.
    ("la", City("Los Angeles", "US", "CA")),
    ("sf", City("San Francisco", "US", "CA")),
    ("san fran", City("San Francisco", "US", "CA")),
    ("frisco", City("San Francisco", "US", "CA")),
    ("dc", City("Washington", "US", "DC")),
    ("washington dc", City("Washington", "US", "DC")),
    ("philly", City("Philadelphia", "US", "PA")),
    ("atl", City("Atlanta", "US", "GA")),
    ("hotlanta", City("Atlanta", "US", "GA")),
    ("chi town", City("Chicago", "US", "IL")),
    ("chitown", City("Chicago", "US", "IL")),
    ("chicagoland", City("Chicago", "US", "IL")),
    ("nola", City("New Orleans", "US", "LA")),
    ("vegas", City("Las Vegas", "US", "NV")),
    ("h town", City("Houston", "US", "TX")),
    ("htown", City("Houston", "US", "TX")),
    ("htx", City("Houston", "US", "TX")),
    ("atx", City("Austin", "US", "TX")),
    ("dfw", City("Dallas", "US", "TX")),
    ("pdx", City("Portland", "US", "OR")),
    ("stl", City("St. Louis", "US", "MO")),
    ("slc", City("Salt Lake City", "US", "UT")),
    ("kc", City("Kansas City", "US", "MO")),
    ("okc", City("Oklahoma City", "US", "OK")),
    ("jax", City("Jacksonville", "US", "FL")),
    ("motor city", City("Detroit", "US", "MI")),
    ("beantown", City("Boston", "US", "MA")),
    ("twin cities", City("Minneapolis", "US", "MN")),
    // US regions.
    ("bay area", Region("US-CA")),
    ("sf bay area", Region("US-CA")),
    ("san francisco bay area", Region("US-CA")),
    ("silicon valley", Region("US-CA")),
    ("cali", Region("US-CA")),
    ("socal", Region("US-CA")),
    ("so cal", Region("US-CA")),
    ("southern california", Region("US-CA")),
    ("norcal", Region("US-CA")),
    ("nor cal", Region("US-CA")),
    ("northern california", Region("US-CA")),
    ("south florida", Region("US-FL")),
    ("north florida", Region("US-FL")),
    ("central florida", Region("US-FL")),
    ("northern virginia", Region("US-VA")),
    ("nova", Region("US-VA")),
    ("long island", Region("US-NY")),
    ("upstate new york", Region("US-NY")),
    ("upstate ny", Region("US-NY")),
    ("western ny", Region("US-NY")),
    ("cape cod", Region("US-MA")),
    ("north jersey", Region("US-NJ")),
    ("south jersey", Region("US-NJ")),
    // Countries and their usual short forms.
    ("usa", Country("US")),
    ("us", Country("US")),
    ("america", Country("US")),
    ("united states of america", Country("US")),
    ("the united states", Country("US")),
    ("the states", Country("US")),
    ("uk", Country("GB")),
    ("great britain", Country("GB")),
    ("britain", Country("GB")),
    ("england", Region("GB-ENG")),
    ("scotland", Region("GB-SCT")),
    ("wales", Region("GB-WLS")),
    ("northern ireland", Region("GB-NIR")),
    ("the netherlands", Country("NL")),
    ("holland", Country("NL")),
    ("uae", Country("AE")),
    ("korea", Country("KR")),
    ("hk", Country("HK")),
];
