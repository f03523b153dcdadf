//! Where a conversation comes from: an offline location resolver over a GeoNames gazetteer.
//!
//! [`Gazetteer::resolve`] weighs the evidence on a mention, strongest first — coordinates, a
//! place named by the platform, the author's profile location, the author's time zone, place
//! names in the text — and answers with a country (ISO 3166-1 alpha-2), a region (ISO 3166-2
//! where known), a city, the [`Evidence`] that decided and a confidence in 0–1. "Unknown" is
//! an honest answer: "somewhere over the rainbow" resolves to nothing, not to a random city.
//!
//! The gazetteer (cities above 15,000 inhabitants, countries, US states and the first-level
//! regions of Canada, Great Britain and Australia) is embedded in the binary and parsed on
//! first use. Data: GeoNames (www.geonames.org), CC BY 4.0; see `data/LICENSE`.
//!
//! Ambiguous names are settled by population weighted by the other evidence: a city in one
//! of the zones a time-zone label covers ("Eastern Time (US & Canada)") counts as if it were
//! twelve times larger; for a label named after a city ("London"), a city in that label's
//! country counts 2.7 times. So "Portland" is Portland, Oregon, but Portland, Maine in
//! Eastern time (12 × 67 k against 653 k); "Paris" stays Paris, France in US Central time
//! (2.1 M against 12 × 25 k), and "London" stays in England for Eastern-time authors (9 M
//! against 12 × 0.4 M for Ontario).

mod aliases;
mod data;
mod normalize;
mod resolve;
mod timezone;

use std::collections::HashMap as StdHashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

pub use resolve::{Evidence, LocationInput, ResolvedLocation};

/// FNV-1a: the index holds ~120 k short trusted keys built at start-up, where SipHash's
/// flood resistance buys nothing and costs a measurable share of the load time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type HashMap<K, V> = StdHashMap<K, V, BuildHasherDefault<Fnv>>;

/// The embedded GeoNames extract written by `tools/gazetteer/extract.py`.
const GAZETTEER_TSV: &str = include_str!("../data/gazetteer.tsv");

/// A malformed gazetteer file.
#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    /// A data line came before any `[section]` header.
    #[error("line {line}: data before any section header")]
    NoSection {
        /// 1-based line number.
        line: usize,
    },
    /// A line has fewer tab-separated fields than its section needs.
    #[error("line {line}: missing field {field}")]
    MissingField {
        /// 1-based line number.
        line: usize,
        /// 0-based field index.
        field: usize,
    },
    /// A numeric field does not parse.
    #[error("line {line}: field {field} is not a number")]
    BadNumber {
        /// 1-based line number.
        line: usize,
        /// 0-based field index.
        field: usize,
    },
    /// The file has no cities or no countries.
    #[error("gazetteer has no cities or no countries")]
    Empty,
}

/// The parsed gazetteer with its name indexes and reverse-lookup grid.
pub struct Gazetteer {
    tables: data::Tables,
    /// Normalised primary and ASCII names → cities, most populous first.
    city_names: HashMap<String, Vec<u32>>,
    /// Normalised alternate names → cities, most populous first.
    city_alternates: HashMap<String, Vec<u32>>,
    /// Normalised country names → index into `tables.countries`.
    country_names: HashMap<String, u16>,
    country_codes: HashMap<&'static str, u16>,
    /// Normalised subdivision names → indexes into `tables.regions`.
    region_names: HashMap<String, Vec<u16>>,
    /// Lowercased subdivision codes ("ny", "on", "nsw") → indexes into `tables.regions`.
    region_codes: HashMap<String, Vec<u16>>,
    region_iso: HashMap<String, u16>,
    region_of_admin: HashMap<(&'static str, &'static str), u16>,
    zone_country: HashMap<&'static str, &'static str>,
    aliases: HashMap<&'static str, resolve::Place>,
    /// One-degree cells → cities, for reverse lookup of coordinates.
    grid: HashMap<(i16, i16), Vec<u32>>,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gazetteer")
            .field("cities", &self.tables.cities.len())
            .field("countries", &self.tables.countries.len())
            .field("regions", &self.tables.regions.len())
            .field("aliases", &self.aliases.len())
            .finish_non_exhaustive()
    }
}

impl Gazetteer {
    /// The embedded gazetteer, parsed once per process on first use (tens of milliseconds).
    pub fn load() -> &'static Gazetteer {
        static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
        GAZETTEER.get_or_init(|| {
            // The embedded file is checked by the crate's tests, so failing here means a
            // broken build, not bad input.
            Gazetteer::parse(GAZETTEER_TSV).expect("embedded gazetteer parses")
        })
    }

    /// Parses a gazetteer in the format of `data/gazetteer.tsv` and builds its indexes.
    pub fn parse(text: &'static str) -> Result<Gazetteer, GazetteerError> {
        let tables = data::parse(text)?;
        let mut g = Gazetteer {
            city_names: HashMap::with_capacity_and_hasher(
                tables.cities.len() * 2,
                Default::default(),
            ),
            city_alternates: HashMap::with_capacity_and_hasher(
                tables.cities.len() * 2,
                Default::default(),
            ),
            country_names: HashMap::default(),
            country_codes: HashMap::default(),
            region_names: HashMap::default(),
            region_codes: HashMap::default(),
            region_iso: HashMap::default(),
            region_of_admin: HashMap::default(),
            zone_country: tables.zones.iter().map(|z| (z.name, z.country)).collect(),
            aliases: HashMap::default(),
            grid: HashMap::default(),
            tables,
        };
        g.index();
        Ok(g)
    }

    fn index(&mut self) {
        for (i, c) in self.tables.countries.iter().enumerate() {
            self.country_names
                .insert(normalize::normalize(c.name), i as u16);
            self.country_codes.insert(c.code, i as u16);
        }
        for (i, r) in self.tables.regions.iter().enumerate() {
            let i = i as u16;
            self.region_names
                .entry(normalize::normalize(r.name))
                .or_default()
                .push(i);
            // Two-letter Australian codes (WA, SA, NT) would shadow US states and Canada's NT.
            if r.country != "AU" || r.code.len() > 2 {
                self.region_codes
                    .entry(r.code.to_ascii_lowercase())
                    .or_default()
                    .push(i);
            }
            self.region_of_admin.insert((r.country, r.admin1), i);
            self.region_iso.insert(r.iso.clone(), i);
        }
        let mut order: Vec<u32> = (0..self.tables.cities.len() as u32).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.tables.cities[i as usize].population));
        for &i in &order {
            let c = &self.tables.cities[i as usize];
            let mut keys = vec![normalize::normalize(c.name)];
            if !c.ascii_name.is_empty() {
                keys.push(normalize::normalize(c.ascii_name));
            }
            keys.dedup();
            for key in keys {
                self.city_names.entry(key).or_default().push(i);
            }
            for alt in c.alternates.split('|').filter(|a| !a.is_empty()) {
                let entry = self
                    .city_alternates
                    .entry(normalize::normalize(alt))
                    .or_default();
                if entry.last() != Some(&i) {
                    entry.push(i);
                }
            }
            let cell = grid_cell(f64::from(c.lat), f64::from(c.lon));
            self.grid.entry(cell).or_default().push(i);
        }
        for (key, target) in aliases::ALIASES {
            if let Some(place) = self.alias_place(*target) {
                self.aliases.insert(key, place);
            }
        }
    }

    fn alias_place(&self, target: aliases::Target) -> Option<resolve::Place> {
        match target {
            aliases::Target::City(name, country, admin1) => {
                let key = normalize::normalize(name);
                let city = self.city_names.get(&key)?.iter().copied().find(|&i| {
                    let c = &self.tables.cities[i as usize];
                    c.country == country && c.admin1 == admin1
                })?;
                Some(self.city_place(city))
            }
            aliases::Target::Region(iso) => {
                let r = *self.region_iso.get(iso)?;
                Some(resolve::Place {
                    country: self.tables.regions[r as usize].country,
                    region: Some(r),
                    city: None,
                })
            }
            aliases::Target::Country(code) => {
                let c = *self.country_codes.get(code)?;
                Some(resolve::Place {
                    country: self.tables.countries[c as usize].code,
                    region: None,
                    city: None,
                })
            }
        }
    }

    fn city_place(&self, city: u32) -> resolve::Place {
        let c = &self.tables.cities[city as usize];
        resolve::Place {
            country: c.country,
            region: self.region_of_admin.get(&(c.country, c.admin1)).copied(),
            city: Some(city),
        }
    }
}

fn grid_cell(lat: f64, lon: f64) -> (i16, i16) {
    (lat.floor() as i16, lon.floor() as i16)
}
