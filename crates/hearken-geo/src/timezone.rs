//! Time zones as weak location evidence: Twitter's display labels (Rails' `ActiveSupport`
//! names such as "Eastern Time (US & Canada)" or "Quito") and IANA names ("America/Chicago").
//!
//! A time zone says little: many people keep a default or pick a city in the right offset,
//! which is why the airline data has hundreds of US travellers in "Quito". So a zone alone
//! yields a country at low confidence, and its main use is breaking ties between
//! same-named cities ("Portland" in Eastern time is Portland, Maine).

/// What a time zone tells about a place.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ZoneHint {
    pub(crate) country: &'static str,
    /// ISO 3166-2 code when the label names a subdivision ("Arizona" → "US-AZ").
    pub(crate) region: &'static str,
    /// IANA zones used by cities under this label; empty when the label names a single city.
    pub(crate) zones: &'static [&'static str],
    pub(crate) confidence: f64,
}

const EASTERN: &[&str] = &[
    "America/New_York",
    "America/Detroit",
    "America/Toronto",
    "America/Indiana/Indianapolis",
    "America/Indiana/Vincennes",
    "America/Kentucky/Louisville",
    "America/Nassau",
];
const CENTRAL: &[&str] = &[
    "America/Chicago",
    "America/Winnipeg",
    "America/North_Dakota/New_Salem",
    "America/Menominee",
    "America/Indiana/Knox",
    "America/Indiana/Tell_City",
];
const MOUNTAIN: &[&str] = &[
    "America/Denver",
    "America/Boise",
    "America/Edmonton",
    "America/Phoenix",
];
const PACIFIC: &[&str] = &[
    "America/Los_Angeles",
    "America/Vancouver",
    "America/Dawson_Creek",
];
const ATLANTIC: &[&str] = &["America/Halifax", "America/Moncton", "America/Glace_Bay"];

/// Labels naming a US or Canadian zone, or a subdivision, as opposed to a city.
const NORTH_AMERICA: &[(&str, &str, &str, &[&str])] = &[
    ("eastern time us canada", "US", "", EASTERN),
    ("central time us canada", "US", "", CENTRAL),
    ("mountain time us canada", "US", "", MOUNTAIN),
    ("pacific time us canada", "US", "", PACIFIC),
    ("atlantic time canada", "CA", "", ATLANTIC),
    ("arizona", "US", "US-AZ", &["America/Phoenix"]),
    (
        "alaska",
        "US",
        "US-AK",
        &["America/Anchorage", "America/Juneau"],
    ),
    ("hawaii", "US", "US-HI", &["Pacific/Honolulu"]),
    (
        "indiana east",
        "US",
        "US-IN",
        &["America/Indiana/Indianapolis"],
    ),
    (
        "saskatchewan",
        "CA",
        "CA-SK",
        &["America/Regina", "America/Swift_Current"],
    ),
    ("newfoundland", "CA", "CA-NL", &["America/St_Johns"]),
];

/// Twitter/Rails labels that name a city; they tell the country only.
const CITY_LABELS: &[(&str, &str)] = &[
    ("international date line west", "UM"),
    ("midway island", "UM"),
    ("american samoa", "AS"),
    ("tijuana", "MX"),
    ("chihuahua", "MX"),
    ("mazatlan", "MX"),
    ("guadalajara", "MX"),
    ("mexico city", "MX"),
    ("monterrey", "MX"),
    ("bogota", "CO"),
    ("lima", "PE"),
    ("quito", "EC"),
    ("caracas", "VE"),
    ("la paz", "BO"),
    ("santiago", "CL"),
    ("brasilia", "BR"),
    ("buenos aires", "AR"),
    ("montevideo", "UY"),
    ("georgetown", "GY"),
    ("puerto rico", "PR"),
    ("greenland", "GL"),
    ("azores", "PT"),
    ("cape verde is", "CV"),
    ("dublin", "IE"),
    ("edinburgh", "GB"),
    ("lisbon", "PT"),
    ("london", "GB"),
    ("casablanca", "MA"),
    ("monrovia", "LR"),
    ("belgrade", "RS"),
    ("bratislava", "SK"),
    ("budapest", "HU"),
    ("ljubljana", "SI"),
    ("prague", "CZ"),
    ("sarajevo", "BA"),
    ("skopje", "MK"),
    ("warsaw", "PL"),
    ("zagreb", "HR"),
    ("brussels", "BE"),
    ("copenhagen", "DK"),
    ("madrid", "ES"),
    ("paris", "FR"),
    ("amsterdam", "NL"),
    ("berlin", "DE"),
    ("bern", "CH"),
    ("zurich", "CH"),
    ("rome", "IT"),
    ("stockholm", "SE"),
    ("vienna", "AT"),
    ("west central africa", "DZ"),
    ("bucharest", "RO"),
    ("cairo", "EG"),
    ("helsinki", "FI"),
    ("kyiv", "UA"),
    ("riga", "LV"),
    ("sofia", "BG"),
    ("tallinn", "EE"),
    ("vilnius", "LT"),
    ("athens", "GR"),
    ("istanbul", "TR"),
    ("minsk", "BY"),
    ("jerusalem", "IL"),
    ("harare", "ZW"),
    ("pretoria", "ZA"),
    ("kaliningrad", "RU"),
    ("moscow", "RU"),
    ("saint petersburg", "RU"),
    ("volgograd", "RU"),
    ("samara", "RU"),
    ("kuwait", "KW"),
    ("riyadh", "SA"),
    ("nairobi", "KE"),
    ("baghdad", "IQ"),
    ("tehran", "IR"),
    ("abu dhabi", "AE"),
    ("muscat", "OM"),
    ("baku", "AZ"),
    ("tbilisi", "GE"),
    ("yerevan", "AM"),
    ("kabul", "AF"),
    ("ekaterinburg", "RU"),
    ("islamabad", "PK"),
    ("karachi", "PK"),
    ("tashkent", "UZ"),
    ("chennai", "IN"),
    ("kolkata", "IN"),
    ("mumbai", "IN"),
    ("new delhi", "IN"),
    ("kathmandu", "NP"),
    ("astana", "KZ"),
    ("dhaka", "BD"),
    ("sri jayawardenepura", "LK"),
    ("almaty", "KZ"),
    ("novosibirsk", "RU"),
    ("rangoon", "MM"),
    ("bangkok", "TH"),
    ("hanoi", "VN"),
    ("jakarta", "ID"),
    ("krasnoyarsk", "RU"),
    ("beijing", "CN"),
    ("chongqing", "CN"),
    ("hong kong", "HK"),
    ("urumqi", "CN"),
    ("kuala lumpur", "MY"),
    ("singapore", "SG"),
    ("taipei", "TW"),
    ("perth", "AU"),
    ("irkutsk", "RU"),
    ("ulaanbaatar", "MN"),
    ("ulaan bataar", "MN"),
    ("seoul", "KR"),
    ("osaka", "JP"),
    ("sapporo", "JP"),
    ("tokyo", "JP"),
    ("yakutsk", "RU"),
    ("darwin", "AU"),
    ("adelaide", "AU"),
    ("canberra", "AU"),
    ("melbourne", "AU"),
    ("sydney", "AU"),
    ("brisbane", "AU"),
    ("hobart", "AU"),
    ("vladivostok", "RU"),
    ("guam", "GU"),
    ("port moresby", "PG"),
    ("magadan", "RU"),
    ("srednekolymsk", "RU"),
    ("solomon is", "SB"),
    ("new caledonia", "NC"),
    ("fiji", "FJ"),
    ("kamchatka", "RU"),
    ("marshall is", "MH"),
    ("auckland", "NZ"),
    ("wellington", "NZ"),
    ("nukualofa", "TO"),
    ("tokelau is", "TK"),
    ("chatham is", "NZ"),
    ("samoa", "WS"),
];

/// Confidence of a zone naming a US/Canadian zone or a subdivision.
const REGIONAL_CONFIDENCE: f64 = 0.3;
/// Confidence of a zone named after a city: many users pick any city in their offset.
const CITY_CONFIDENCE: f64 = 0.15;

/// Reads a Twitter label or an IANA name. `iana_country` maps IANA names to countries
/// (from the gazetteer's zone table).
pub(crate) fn hint(
    label: &str,
    iana_country: impl Fn(&str) -> Option<&'static str>,
) -> Option<ZoneHint> {
    let label = label.trim();
    if label.contains('/') {
        let country = iana_country(label)?;
        let group = NORTH_AMERICA
            .iter()
            .find(|(.., zones)| zones.contains(&label));
        return Some(match group {
            Some((_, _, region, zones)) => ZoneHint {
                country,
                region,
                zones,
                confidence: REGIONAL_CONFIDENCE,
            },
            None => ZoneHint {
                country,
                region: "",
                zones: &[],
                confidence: CITY_CONFIDENCE,
            },
        });
    }
    let key = crate::normalize::normalize(label);
    if let Some((_, country, region, zones)) = NORTH_AMERICA.iter().find(|(k, ..)| *k == key) {
        return Some(ZoneHint {
            country,
            region,
            zones,
            confidence: REGIONAL_CONFIDENCE,
        });
    }
    CITY_LABELS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, country)| ZoneHint {
            country,
            region: "",
            zones: &[],
            confidence: CITY_CONFIDENCE,
        })
}
