//! The resolver: evidence in order of strength, free-text locations, reverse lookup.

use crate::Gazetteer;
use crate::normalize::{flag_countries, normalize};
use crate::timezone::{self, ZoneHint};

/// Which input decided a [`ResolvedLocation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Evidence {
    /// Coordinates on the post (GeoJSON point, Twitter `coordinates`).
    Coordinates,
    /// A place named by the platform (Twitter `place`).
    PlatformPlace,
    /// The author's free-text profile location.
    ProfileLocation,
    /// The author's time zone (weak: a country at most).
    TimeZone,
    /// A place named in the post's text (weakest, and only after "in", "from", "at"...).
    Text,
    /// Nothing usable: the location is unknown.
    None,
}

/// Everything a mention carries that may say where its author is. All fields are optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocationInput<'a> {
    /// Latitude and longitude in degrees (WGS 84). `(0, 0)` is treated as missing, since
    /// exporters write it for "no coordinates".
    pub coordinates: Option<(f64, f64)>,
    /// The platform's place name, e.g. Twitter's `place.full_name` ("Brooklyn, NY").
    pub place_name: Option<&'a str>,
    /// The author's profile location, free text ("NYC", "somewhere over the rainbow").
    pub profile_location: Option<&'a str>,
    /// Twitter's time-zone label ("Eastern Time (US & Canada)") or an IANA name.
    pub time_zone: Option<&'a str>,
    /// The post's text.
    pub text: Option<&'a str>,
}

/// Where a mention comes from, on what evidence and how sure. Empty strings mean unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedLocation {
    /// ISO 3166-1 alpha-2, e.g. "US"; empty when unknown.
    pub country_code: String,
    /// ISO 3166-2, e.g. "US-NY"; empty when unknown or when the country's codes are not
    /// carried (only US, Canadian, British and Australian first-level regions are).
    pub region_code: String,
    /// City name as GeoNames spells it ("New York City"); empty when unknown.
    pub city: String,
    /// Latitude of the coordinates given, else of the city; `None` without either.
    pub latitude: Option<f64>,
    /// Longitude, as for `latitude`.
    pub longitude: Option<f64>,
    /// The input that decided.
    pub evidence: Evidence,
    /// How sure, in 0–1; 0 exactly when unknown.
    pub confidence: f64,
}

impl ResolvedLocation {
    /// The honest answer when nothing usable was given.
    pub fn unknown() -> Self {
        ResolvedLocation {
            country_code: String::new(),
            region_code: String::new(),
            city: String::new(),
            latitude: None,
            longitude: None,
            evidence: Evidence::None,
            confidence: 0.0,
        }
    }

    /// Whether at least the country is known.
    pub fn is_known(&self) -> bool {
        !self.country_code.is_empty()
    }
}

/// A place inside the gazetteer: a country, optionally a region and a city.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) country: &'static str,
    pub(crate) region: Option<u16>,
    pub(crate) city: Option<u32>,
}

/// A place with the confidence that the text meant it.
#[derive(Debug, Clone, Copy)]
struct Found {
    place: Place,
    confidence: f64,
}

/// The city chosen for a name, with how sure the choice is.
#[derive(Debug, Clone, Copy)]
struct Pick {
    city: u32,
    /// A rival scores within [`AMBIGUITY_MARGIN`].
    ambiguous: bool,
    /// A rival in another country scores within [`CONTESTED_MARGIN`].
    contested: bool,
}

/// A trailing part read as a constraint: "NY" in "Brooklyn, NY", "UK" in "London, UK".
#[derive(Debug, Clone, Copy, PartialEq)]
enum Qualifier {
    Country(&'static str),
    Region(u16),
}

/// Whole strings that are not places, and words that mark a string as a joke or a state of
/// mind rather than an address. Matching is on normalised text.
const NOT_PLACES: &[&str] = &[
    "earth",
    "planet earth",
    "the world",
    "world",
    "worldwide",
    "world wide",
    "global",
    "globe",
    "everywhere",
    "anywhere",
    "nowhere",
    "somewhere",
    "here",
    "there",
    "home",
    "internet",
    "the internet",
    "online",
    "universe",
    "the universe",
    "heaven",
    "hell",
    "moon",
    "the moon",
    "mars",
    "neverland",
    "narnia",
    "hogwarts",
    "gotham",
    "middle earth",
    "wonderland",
    "outer space",
    "space",
    "cloud",
    "the cloud",
    "in the clouds",
    "on the road",
    "on a plane",
    "the sky",
    "sky",
    "air",
    "in the air",
    "airport",
    "traveling",
    "travelling",
];
const NOT_PLACE_WORDS: &[&str] = &[
    "rainbow",
    "heaven",
    "hell",
    "mom",
    "moms",
    "mommas",
    "mother",
    "dreams",
    "dreamland",
    "universe",
    "galaxy",
    "planet",
    "internet",
    "everywhere",
    "nowhere",
    "somewhere",
    "anywhere",
    "wherever",
    "world",
    "mind",
    "heart",
    "happiness",
    "imagination",
    "cloud",
    "clouds",
    "moon",
    "stars",
    "bed",
    "couch",
    "sofa",
    "head",
    "life",
    "lost",
    "basement",
    "kitchen",
    "matter",
    "none",
    "business",
    "unknown",
    "n a",
];

/// Confidence of each way a free-text location resolves, before the evidence kind's cap.
const CONF_QUALIFIED_CITY: f64 = 0.9;
const CONF_ALIAS: f64 = 0.85;
const CONF_COUNTRY: f64 = 0.9;
const CONF_REGION: f64 = 0.85;
const CONF_REGION_CODE: f64 = 0.75;
const CONF_CITY: f64 = 0.75;
const CONF_AMBIGUOUS_CITY: f64 = 0.55;
const CONF_QUALIFIED_AREA: f64 = 0.75;
/// Per-evidence ceilings: the platform's place is curated, the text is a guess.
const CAP_PLATFORM: f64 = 0.95;
const CAP_TEXT: f64 = 0.25;
/// Reverse lookup: a city within this distance is where the point is.
const CITY_RADIUS_KM: f64 = 40.0;
/// Beyond the city radius but within this one, only the region and country are kept.
const AREA_RADIUS_KM: f64 = 110.0;
/// How much a matching time zone weighs against population (e^2.5 ≈ 12×, e^1 ≈ 2.7×).
const ZONE_BONUS: f64 = 2.5;
const ZONE_COUNTRY_BONUS: f64 = 1.0;
/// A rival within this score margin (ln 10) makes a city name ambiguous.
const AMBIGUITY_MARGIN: f64 = std::f64::consts::LN_10;
/// A rival in another country within this margin (ln 3) leaves a bare name unresolved:
/// "Cambridge" (GB 128 k, US 118 k) is unknown, "Birmingham" (GB 1.1 M, US 0.2 M) is not.
const CONTESTED_MARGIN: f64 = 1.0986;
/// Cities smaller than this are not taken from a post's text: too many are also words.
const TEXT_MIN_POPULATION: u32 = 100_000;

impl Gazetteer {
    /// Resolves a mention's location from the strongest evidence that yields a place.
    pub fn resolve(&self, input: &LocationInput<'_>) -> ResolvedLocation {
        if let Some((lat, lon)) = input
            .coordinates
            .filter(|&(lat, lon)| valid_point(lat, lon))
            && let Some(found) = self.reverse(lat, lon)
        {
            return self.answer(found, Evidence::Coordinates, Some((lat, lon)));
        }
        let hint = input.time_zone.and_then(|tz| self.zone_hint(tz));
        if let Some(place) = input.place_name
            && let Some((found, point)) = self.free_text(place, hint.as_ref())
        {
            let found = Found {
                confidence: found.confidence.clamp(0.8, CAP_PLATFORM),
                ..found
            };
            return self.answer(found, Evidence::PlatformPlace, point);
        }
        if let Some(profile) = input.profile_location
            && let Some((found, point)) = self.free_text(profile, hint.as_ref())
        {
            return self.answer(found, Evidence::ProfileLocation, point);
        }
        if let Some(hint) = hint {
            let region = self.region_iso.get(hint.region).copied();
            let place = Place {
                country: hint.country,
                region,
                city: None,
            };
            return self.answer(
                Found {
                    place,
                    confidence: hint.confidence,
                },
                Evidence::TimeZone,
                None,
            );
        }
        if let Some(text) = input.text
            && let Some(found) = self.in_text(text)
        {
            let found = Found {
                confidence: found.confidence.min(CAP_TEXT),
                ..found
            };
            return self.answer(found, Evidence::Text, None);
        }
        ResolvedLocation::unknown()
    }

    /// Resolves a free-text location alone, as a profile location.
    pub fn resolve_text(&self, location: &str) -> ResolvedLocation {
        self.resolve(&LocationInput {
            profile_location: Some(location),
            ..LocationInput::default()
        })
    }

    fn zone_hint(&self, tz: &str) -> Option<ZoneHint> {
        timezone::hint(tz, |iana| self.zone_country.get(iana).copied())
    }

    fn answer(
        &self,
        found: Found,
        evidence: Evidence,
        point: Option<(f64, f64)>,
    ) -> ResolvedLocation {
        let Place {
            country,
            region,
            city,
        } = found.place;
        let city = city.map(|i| &self.tables.cities[i as usize]);
        let point = point.or(city.map(|c| (f64::from(c.lat), f64::from(c.lon))));
        ResolvedLocation {
            country_code: country.to_owned(),
            region_code: region
                .map(|r| self.tables.regions[r as usize].iso.clone())
                .unwrap_or_default(),
            city: city.map(|c| c.name.to_owned()).unwrap_or_default(),
            latitude: point.map(|p| p.0),
            longitude: point.map(|p| p.1),
            evidence,
            confidence: found.confidence,
        }
    }

    /// The city at a point: within [`CITY_RADIUS_KM`], the nearest unless a much larger one
    /// is nearly as near; beyond it, only the region and country of the nearest city within
    /// [`AREA_RADIUS_KM`].
    fn reverse(&self, lat: f64, lon: f64) -> Option<Found> {
        let (cell_lat, cell_lon) = crate::grid_cell(lat, lon);
        // One degree of latitude is ~111 km; longitude degrees shrink towards the poles.
        let lon_span = (1.0 / lat.to_radians().cos().max(0.01)).ceil().min(180.0) as i16;
        let mut nearest: Option<(f64, u32)> = None;
        let mut best: Option<(f64, u32)> = None;
        for dlat in -1..=1 {
            for dlon in -lon_span..=lon_span {
                let key = (cell_lat + dlat, wrap_lon_cell(cell_lon + dlon));
                for &i in self.grid.get(&key).map(Vec::as_slice).unwrap_or_default() {
                    let c = &self.tables.cities[i as usize];
                    let d = haversine_km(lat, lon, f64::from(c.lat), f64::from(c.lon));
                    if nearest.is_none_or(|(nd, _)| d < nd) {
                        nearest = Some((d, i));
                    }
                    // GeoNames lists districts ("Paris 04 Hôtel-de-Ville") beside their city;
                    // a steep distance penalty lets a larger place win only when it is nearly
                    // as close, so Yonkers stays Yonkers next to the Bronx.
                    let score = f64::from(c.population.max(1)).ln() - 3.0 * (1.0 + d / 2.0).ln();
                    if d <= CITY_RADIUS_KM && best.is_none_or(|(bs, _)| score > bs) {
                        best = Some((score, i));
                    }
                }
            }
        }
        if let Some((_, city)) = best {
            let place = self.city_place(city);
            return Some(Found {
                place,
                confidence: 0.95,
            });
        }
        let (_, city) = nearest.filter(|(d, _)| *d <= AREA_RADIUS_KM)?;
        let place = Place {
            city: None,
            ..self.city_place(city)
        };
        Some(Found {
            place,
            confidence: 0.8,
        })
    }

    /// A free-text location: coordinates written out, flags, aliases, "City, Region,
    /// Country" hierarchies, or alternatives ("NYC | LA") that agree on a country.
    fn free_text(&self, raw: &str, hint: Option<&ZoneHint>) -> Option<(Found, Option<(f64, f64)>)> {
        if let Some((lat, lon)) = written_coordinates(raw)
            && let Some(found) = self.reverse(lat, lon)
        {
            return Some((
                Found {
                    confidence: found.confidence * 0.95,
                    ..found
                },
                Some((lat, lon)),
            ));
        }
        let whole = normalize(raw);
        if is_not_place(&whole) {
            return None;
        }
        let flags: Vec<Place> = flag_countries(raw)
            .iter()
            .filter_map(|code| self.country_codes.get(code.as_str()))
            .map(|&i| Place {
                country: self.tables.countries[i as usize].code,
                region: None,
                city: None,
            })
            .collect();
        if whole.is_empty() {
            let first = *flags.first()?;
            let agreed = flags.iter().all(|f| f.country == first.country);
            return agreed.then_some((
                Found {
                    place: first,
                    confidence: CONF_COUNTRY * 0.9,
                },
                None,
            ));
        }
        if let Some(&place) = self.aliases.get(whole.as_str()) {
            return Some((
                Found {
                    place,
                    confidence: CONF_ALIAS,
                },
                None,
            ));
        }
        let alternatives: Vec<&str> = raw
            .split(['/', '|', '&', '•', '·', '↔', '→', '+', ';', '\\'])
            .map(str::trim)
            .filter(|p| !normalize(p).is_empty())
            .collect();
        let mut found: Vec<(Found, bool)> = Vec::new();
        for alternative in &alternatives {
            if let Some(f) = self.hierarchy(alternative, hint) {
                found.push((f, self.names_container(&normalize(alternative))));
            }
        }
        if found.len() * 2 < alternatives.len() {
            return None;
        }
        agree(&found, alternatives.len()).map(|f| (f, None))
    }

    /// Whether `key` names a country or a subdivision itself ("WA", "USA"), which can stand
    /// beside a place inside it ("Seattle | WA"), unlike an area such as "Long Island".
    fn names_container(&self, key: &str) -> bool {
        self.country_names.contains_key(key)
            || self.region_names.contains_key(key)
            || self.region_codes.contains_key(key)
            || self
                .aliases
                .get(key)
                .is_some_and(|p| p.region.is_none() && p.city.is_none())
    }

    /// "Brooklyn, NY", "Paris, Texas, USA", "London England", or a single name.
    fn hierarchy(&self, raw: &str, hint: Option<&ZoneHint>) -> Option<Found> {
        let parts: Vec<(&str, String)> = raw
            .split([',', '(', ')', '-', '–', '—', ':'])
            .map(|p| (p.trim(), normalize(p)))
            .filter(|(_, n)| !n.is_empty())
            .collect();
        let whole = normalize(raw);
        if is_not_place(&whole) || parts.iter().any(|(_, n)| is_not_place(n)) {
            return None;
        }
        if let Some(&place) = self.aliases.get(whole.as_str()) {
            return Some(Found {
                place,
                confidence: CONF_ALIAS,
            });
        }
        if parts.len() == 1 {
            return self
                .single(parts[0].0, &parts[0].1, hint)
                .or_else(|| self.split_words(&parts[0], hint));
        }
        let mut qualifiers: Vec<Vec<Qualifier>> = Vec::new();
        let mut head_len = parts.len();
        while head_len > 1 {
            let q = self.qualifiers(&parts[head_len - 1].1, false);
            if q.is_empty() || !self.consistent(&q, &qualifiers) {
                break;
            }
            qualifiers.push(q);
            head_len -= 1;
        }
        if qualifiers.is_empty() {
            // No trailing qualifier: treat the parts as alternatives that must agree.
            let found: Vec<Found> = parts
                .iter()
                .filter_map(|(r, n)| self.single(r, n, hint))
                .collect();
            // Most parts must read as places: "NEIN, London, or Maui." is a joke, not London.
            if found.len() * 2 < parts.len() {
                return None;
            }
            let found: Vec<(Found, bool)> = found.into_iter().map(|f| (f, false)).collect();
            return agree(&found, parts.len());
        }
        for (_, head) in &parts[..head_len] {
            if let Some(Pick {
                city, ambiguous, ..
            }) = self.pick_city(head, &qualifiers, hint)
            {
                let confidence = if ambiguous {
                    CONF_CITY
                } else {
                    CONF_QUALIFIED_CITY
                };
                return Some(Found {
                    place: self.city_place(city),
                    confidence,
                });
            }
        }
        // The head is no city we know ("Long Island, NY", "Texas, USA"): keep what the
        // qualifiers say, refined by a head that names a region of the same country, and
        // give up when the head names another country ("usa::fr::uk").
        let mut place = self.qualified_area(&qualifiers)?;
        for (raw, key) in &parts[..head_len] {
            // A head read as a city elsewhere ("Greenwich, CT" → Greenwich, London) is only a
            // town too small for the gazetteer; a head read as a country or region is not.
            if let Some(head) = self
                .single(raw, key, hint)
                .filter(|h| h.place.city.is_none())
            {
                if head.place.country != place.country {
                    return None;
                }
                if place.region.is_none() {
                    place.region = head.place.region;
                }
            }
        }
        Some(Found {
            place,
            confidence: CONF_QUALIFIED_AREA,
        })
    }

    /// A single name: an alias, a subdivision, a country, an upper-case subdivision code or
    /// a city, in that order.
    fn single(&self, raw: &str, key: &str, hint: Option<&ZoneHint>) -> Option<Found> {
        if is_not_place(key) {
            return None;
        }
        if let Some(&place) = self.aliases.get(key) {
            return Some(Found {
                place,
                confidence: CONF_ALIAS,
            });
        }
        if let Some(regions) = self.region_names.get(key) {
            let r = self.prefer_region(regions, hint);
            let place = Place {
                country: self.tables.regions[r as usize].country,
                region: Some(r),
                city: None,
            };
            return Some(Found {
                place,
                confidence: CONF_REGION,
            });
        }
        if let Some(&c) = self.country_names.get(key) {
            let country = &self.tables.countries[c as usize];
            // City-states and capitals named like their country ("Singapore", "Panama").
            let capital = (normalize(country.capital) == key)
                .then(|| self.city_names.get(key))
                .flatten()
                .and_then(|cities| {
                    cities
                        .iter()
                        .copied()
                        .find(|&i| self.tables.cities[i as usize].country == country.code)
                });
            let place = match capital {
                Some(city) => self.city_place(city),
                None => Place {
                    country: country.code,
                    region: None,
                    city: None,
                },
            };
            return Some(Found {
                place,
                confidence: CONF_COUNTRY,
            });
        }
        if is_upper_code(raw)
            && let Some(regions) = self.region_codes.get(key)
        {
            let r = self.prefer_region(regions, hint);
            let place = Place {
                country: self.tables.regions[r as usize].country,
                region: Some(r),
                city: None,
            };
            return Some(Found {
                place,
                confidence: CONF_REGION_CODE,
            });
        }
        // "Belleville" or "Cambridge" alone could be in either of two countries: unknown.
        let Pick {
            city,
            ambiguous,
            contested,
        } = self.pick_city(key, &[], hint)?;
        if contested {
            return None;
        }
        let confidence = if ambiguous {
            CONF_AMBIGUOUS_CITY
        } else {
            CONF_CITY
        };
        Some(Found {
            place: self.city_place(city),
            confidence,
        })
    }

    /// "Houston Texas", "Boston MA", "Paris France": a city followed by its qualifier
    /// without a comma. Two-letter codes count only in capitals, so "Dallas or" is no Oregon.
    fn split_words(&self, part: &(&str, String), hint: Option<&ZoneHint>) -> Option<Found> {
        let (raw, key) = part;
        let words: Vec<&str> = key.split(' ').collect();
        let raw_last = raw.split_whitespace().last().unwrap_or_default();
        for cut in (1..words.len()).rev() {
            let tail = words[cut..].join(" ");
            let strict_code =
                tail.len() <= 3 && !(is_upper_code(raw_last) && normalize(raw_last) == tail);
            let q = self.qualifiers(&tail, strict_code);
            if q.is_empty() {
                continue;
            }
            let head = words[..cut].join(" ");
            if let Some(Pick {
                city, ambiguous, ..
            }) = self.pick_city(&head, &[q], hint)
            {
                let confidence = if ambiguous {
                    CONF_CITY
                } else {
                    CONF_QUALIFIED_CITY
                };
                return Some(Found {
                    place: self.city_place(city),
                    confidence,
                });
            }
        }
        None
    }

    /// The readings of a trailing part as a country or subdivision. With `names_only`,
    /// codes ("CA", "NY") are not read.
    fn qualifiers(&self, key: &str, names_only: bool) -> Vec<Qualifier> {
        let mut out = Vec::new();
        if let Some(place) = self.aliases.get(key)
            && place.city.is_none()
        {
            out.push(match place.region {
                Some(r) => Qualifier::Region(r),
                None => Qualifier::Country(place.country),
            });
        }
        if let Some(&c) = self.country_names.get(key) {
            out.push(Qualifier::Country(self.tables.countries[c as usize].code));
        }
        if let Some(regions) = self.region_names.get(key) {
            out.extend(regions.iter().map(|&r| Qualifier::Region(r)));
        }
        if !names_only && key.len() <= 3 {
            if let Some(regions) = self.region_codes.get(key) {
                out.extend(regions.iter().map(|&r| Qualifier::Region(r)));
            }
            // "Vancouver, CA" is Canada, "Fresno, CA" California: keep both readings and
            // let the city decide.
            if key.len() == 2 {
                let upper = key.to_ascii_uppercase();
                if let Some(&c) = self.country_codes.get(upper.as_str()) {
                    out.push(Qualifier::Country(self.tables.countries[c as usize].code));
                }
            }
        }
        out
    }

    fn qualifier_country(&self, q: Qualifier) -> &'static str {
        match q {
            Qualifier::Country(c) => c,
            Qualifier::Region(r) => self.tables.regions[r as usize].country,
        }
    }

    /// Whether a new qualifier part shares a country with every part already read.
    fn consistent(&self, new: &[Qualifier], others: &[Vec<Qualifier>]) -> bool {
        others.iter().all(|part| {
            part.iter().any(|&a| {
                new.iter()
                    .any(|&b| self.qualifier_country(a) == self.qualifier_country(b))
            })
        })
    }

    fn matches(&self, city: u32, q: Qualifier) -> bool {
        let c = &self.tables.cities[city as usize];
        match q {
            Qualifier::Country(code) => c.country == code,
            Qualifier::Region(r) => {
                let r = &self.tables.regions[r as usize];
                c.country == r.country && c.admin1 == r.admin1
            }
        }
    }

    /// The best city named `key` satisfying every qualifier part, and whether a rival comes
    /// close enough to call the name ambiguous.
    fn pick_city(
        &self,
        key: &str,
        qualifiers: &[Vec<Qualifier>],
        hint: Option<&ZoneHint>,
    ) -> Option<Pick> {
        let fits = |i: u32| {
            qualifiers
                .iter()
                .all(|part| part.iter().any(|&q| self.matches(i, q)))
        };
        if let Some(place) = self.aliases.get(key)
            && let Some(city) = place.city
            && fits(city)
        {
            return Some(Pick {
                city,
                ambiguous: false,
                contested: false,
            });
        }
        let candidates = self
            .city_names
            .get(key)
            .filter(|c| c.iter().any(|&i| fits(i)))
            .or_else(|| self.city_alternates.get(key))?;
        let mut scored: Vec<(f64, u32)> = candidates
            .iter()
            .copied()
            .filter(|&i| fits(i))
            .map(|i| (self.city_score(i, hint), i))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let &(best_score, best) = scored.first()?;
        let ambiguous = scored
            .get(1)
            .is_some_and(|&(s, _)| best_score - s < AMBIGUITY_MARGIN);
        let country = self.tables.cities[best as usize].country;
        let contested = scored.iter().skip(1).any(|&(s, i)| {
            best_score - s < CONTESTED_MARGIN && self.tables.cities[i as usize].country != country
        });
        Some(Pick {
            city: best,
            ambiguous,
            contested,
        })
    }

    fn city_score(&self, city: u32, hint: Option<&ZoneHint>) -> f64 {
        let c = &self.tables.cities[city as usize];
        let mut score = f64::from(c.population.max(1)).ln();
        if let Some(hint) = hint {
            let zone = self.tables.zones.get(c.zone as usize).map(|z| z.name);
            // A label covering zones ("Eastern Time") rewards cities in them only; a label
            // named after a city ("London") can only speak for its country.
            if hint.zones.is_empty() {
                if c.country == hint.country {
                    score += ZONE_COUNTRY_BONUS;
                }
            } else if zone.is_some_and(|z| hint.zones.contains(&z)) {
                score += ZONE_BONUS;
            }
        }
        score
    }

    /// Among same-named subdivisions, the one in the hinted country, else the first (US).
    fn prefer_region(&self, regions: &[u16], hint: Option<&ZoneHint>) -> u16 {
        hint.and_then(|h| {
            regions
                .iter()
                .copied()
                .find(|&r| self.tables.regions[r as usize].country == h.country)
        })
        .or_else(|| {
            regions
                .iter()
                .copied()
                .find(|&r| self.tables.regions[r as usize].country == "US")
        })
        .unwrap_or(regions[0])
    }

    /// The most specific place every qualifier part agrees on: a region if one is named,
    /// preferring US readings of two-letter codes, else the country.
    fn qualified_area(&self, qualifiers: &[Vec<Qualifier>]) -> Option<Place> {
        let first = qualifiers.first()?;
        let agreed = |q: &Qualifier| {
            let country = self.qualifier_country(*q);
            qualifiers
                .iter()
                .all(|part| part.iter().any(|&o| self.qualifier_country(o) == country))
        };
        let regions: Vec<u16> = qualifiers
            .iter()
            .flatten()
            .filter(|q| agreed(q))
            .filter_map(|q| match q {
                Qualifier::Region(r) => Some(*r),
                Qualifier::Country(_) => None,
            })
            .collect();
        if !regions.is_empty() {
            let r = self.prefer_region(&regions, None);
            return Some(Place {
                country: self.tables.regions[r as usize].country,
                region: Some(r),
                city: None,
            });
        }
        let country = first
            .iter()
            .find(|q| agreed(q))
            .map(|&q| self.qualifier_country(q))?;
        Some(Place {
            country,
            region: None,
            city: None,
        })
    }

    /// A place named in running text after "in", "from", "at", "near" or "visiting", in
    /// capitals: an alias, a country, a subdivision or a city of at least
    /// [`TEXT_MIN_POPULATION`].
    fn in_text(&self, text: &str) -> Option<Found> {
        let words: Vec<&str> = text.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            if !matches!(
                w.to_ascii_lowercase().as_str(),
                "in" | "from" | "at" | "near" | "visiting"
            ) {
                continue;
            }
            let mut taken: Vec<&str> = Vec::new();
            for next in words.iter().skip(i + 1).take(3) {
                let stop = next.ends_with([',', '.', '!', '?', ';', ':']);
                let core = next.trim_matches(|c: char| !c.is_alphanumeric());
                if !core.chars().next().is_some_and(char::is_uppercase) {
                    break;
                }
                taken.push(core);
                if stop {
                    break;
                }
            }
            for n in (1..=taken.len()).rev() {
                let key = normalize(&taken[..n].join(" "));
                if let Some(found) = self.text_place(&key) {
                    return Some(found);
                }
            }
        }
        None
    }

    fn text_place(&self, key: &str) -> Option<Found> {
        if key.len() < 2 || is_not_place(key) {
            return None;
        }
        if let Some(&place) = self.aliases.get(key) {
            return Some(Found {
                place,
                confidence: CAP_TEXT,
            });
        }
        if let Some(&c) = self.country_names.get(key) {
            let place = Place {
                country: self.tables.countries[c as usize].code,
                region: None,
                city: None,
            };
            return Some(Found {
                place,
                confidence: CAP_TEXT,
            });
        }
        if let Some(regions) = self.region_names.get(key) {
            let r = self.prefer_region(regions, None);
            let place = Place {
                country: self.tables.regions[r as usize].country,
                region: Some(r),
                city: None,
            };
            return Some(Found {
                place,
                confidence: CAP_TEXT,
            });
        }
        let city = self
            .city_names
            .get(key)?
            .first()
            .copied()
            .filter(|&i| self.tables.cities[i as usize].population >= TEXT_MIN_POPULATION)?;
        Some(Found {
            place: self.city_place(city),
            confidence: CAP_TEXT,
        })
    }
}

/// Combines the readings of alternatives ("NYC | CT", "Seattle | WA"), each flagged when it
/// names a country or subdivision itself. They must share a country. When every other
/// reading is such a container of the most specific one ("Seattle" in "WA"), that one wins;
/// otherwise only what all agree on survives. Unread alternatives lower the confidence.
fn agree(found: &[(Found, bool)], total: usize) -> Option<Found> {
    let (first, _) = found.first()?;
    if found
        .iter()
        .any(|(f, _)| f.place.country != first.place.country)
    {
        return None;
    }
    let specific = found
        .iter()
        .map(|(f, _)| f.place)
        .max_by_key(|p| (p.city.is_some(), p.region.is_some()))?;
    let nested = found.iter().all(|&(f, container)| {
        f.place == specific
            || (container
                && f.place.city.is_none()
                && f.place.region.is_none_or(|r| specific.region == Some(r)))
    });
    let place = if nested {
        specific
    } else {
        let region = first
            .place
            .region
            .filter(|r| found.iter().all(|(f, _)| f.place.region == Some(*r)));
        Place {
            country: first.place.country,
            region,
            city: None,
        }
    };
    let mut confidence = found.iter().map(|(f, _)| f.confidence).fold(1.0, f64::min);
    if found.len() < total {
        confidence *= 0.8;
    }
    Some(Found { place, confidence })
}

fn is_not_place(key: &str) -> bool {
    let padded = format!(" {key} ");
    NOT_PLACES.contains(&key)
        || key.split(' ').any(|w| NOT_PLACE_WORDS.contains(&w))
        || NOT_PLACE_WORDS
            .iter()
            .any(|w| w.contains(' ') && padded.contains(&format!(" {w} ")))
        || key.starts_with("my ")
        || key.starts_with("your ")
        || key.starts_with("in my ")
}

fn is_upper_code(raw: &str) -> bool {
    let letters: Vec<char> = raw.chars().filter(|c| c.is_alphabetic()).collect();
    (2..=3).contains(&letters.len()) && letters.iter().all(|c| c.is_ascii_uppercase())
}

fn valid_point(lat: f64, lon: f64) -> bool {
    lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
        && !(lat == 0.0 && lon == 0.0)
}

fn wrap_lon_cell(cell: i16) -> i16 {
    (cell + 180).rem_euclid(360) - 180
}

fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// "ÜT: 40.96513,-73.872957" or "iPhone: 37.62,-122.38": two decimals separated by a comma,
/// as phone apps wrote them into profiles.
fn written_coordinates(raw: &str) -> Option<(f64, f64)> {
    let start = raw.find(|c: char| c.is_ascii_digit() || c == '-')?;
    let (a, b) = raw[start..].split_once(',')?;
    let number = |s: &str| -> Option<f64> {
        let s = s.trim();
        (s.contains('.')
            && s.chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-'))
        .then(|| s.parse().ok())
        .flatten()
    };
    let lat = number(a)?;
    let lon = number(b.split_whitespace().next()?)?;
    valid_point(lat, lon).then_some((lat, lon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_written_coordinates() {
        assert_eq!(
            written_coordinates("ÜT: 40.96513,-73.872957"),
            Some((40.96513, -73.872957))
        );
        assert_eq!(
            written_coordinates("iPhone: 37.621227,-122.386002"),
            Some((37.621227, -122.386002))
        );
        assert_eq!(written_coordinates("Boston, MA"), None);
        assert_eq!(written_coordinates("3Ø4"), None);
    }

    #[test]
    fn haversine_is_sane() {
        let d = haversine_km(40.7128, -74.0060, 51.5074, -0.1278);
        assert!((5560.0..5590.0).contains(&d), "{d}");
        assert!(haversine_km(10.0, 10.0, 10.0, 10.0) < 1e-9);
    }
}
