//! Parsing of the embedded GeoNames extract (`data/gazetteer.tsv`) into compact tables.

use crate::GazetteerError;

/// A city of the gazetteer; strings borrow from the embedded text.
#[derive(Debug)]
pub(crate) struct City {
    pub(crate) name: &'static str,
    pub(crate) ascii_name: &'static str,
    pub(crate) alternates: &'static str,
    pub(crate) country: &'static str,
    pub(crate) admin1: &'static str,
    pub(crate) population: u32,
    pub(crate) lat: f32,
    pub(crate) lon: f32,
    /// Index into [`Tables::zones`], `u16::MAX` when GeoNames has none.
    pub(crate) zone: u16,
}

/// A country with its ISO 3166-1 alpha-2 code.
#[derive(Debug)]
pub(crate) struct Country {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) capital: &'static str,
}

/// A first-level subdivision whose ISO 3166-2 code we know.
#[derive(Debug)]
pub(crate) struct Region {
    pub(crate) country: &'static str,
    pub(crate) admin1: &'static str,
    /// Full ISO 3166-2 code, e.g. "US-NY".
    pub(crate) iso: String,
    /// The subdivision part alone, e.g. "NY".
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
}

/// An IANA time zone and the country holding most of its population.
#[derive(Debug)]
pub(crate) struct Zone {
    pub(crate) name: &'static str,
    pub(crate) country: &'static str,
}

#[derive(Debug, Default)]
pub(crate) struct Tables {
    pub(crate) zones: Vec<Zone>,
    pub(crate) countries: Vec<Country>,
    pub(crate) regions: Vec<Region>,
    pub(crate) cities: Vec<City>,
}

#[derive(Clone, Copy)]
enum Section {
    None,
    Zones,
    Countries,
    Regions,
    Cities,
}

pub(crate) fn parse(text: &'static str) -> Result<Tables, GazetteerError> {
    let mut tables = Tables::default();
    let mut section = Section::None;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        section = match line {
            "[tz]" => Section::Zones,
            "[countries]" => Section::Countries,
            "[regions]" => Section::Regions,
            "[cities]" => Section::Cities,
            _ => {
                let f: Vec<&'static str> = line.split('\t').collect();
                let field = |n: usize| {
                    f.get(n).copied().ok_or(GazetteerError::MissingField {
                        line: line_no,
                        field: n,
                    })
                };
                match section {
                    Section::None => return Err(GazetteerError::NoSection { line: line_no }),
                    Section::Zones => tables.zones.push(Zone {
                        name: field(0)?,
                        country: field(1)?,
                    }),
                    Section::Countries => tables.countries.push(Country {
                        code: field(0)?,
                        name: field(1)?,
                        capital: field(2)?,
                    }),
                    Section::Regions => {
                        let (country, code) = (field(0)?, field(2)?);
                        tables.regions.push(Region {
                            country,
                            admin1: field(1)?,
                            iso: format!("{country}-{code}"),
                            code,
                            name: field(3)?,
                        });
                    }
                    Section::Cities => {
                        let number = |n: usize| -> Result<f64, GazetteerError> {
                            field(n)?.parse().map_err(|_| GazetteerError::BadNumber {
                                line: line_no,
                                field: n,
                            })
                        };
                        let zone = match field(7)? {
                            "" => u16::MAX,
                            z => z.parse().map_err(|_| GazetteerError::BadNumber {
                                line: line_no,
                                field: 7,
                            })?,
                        };
                        tables.cities.push(City {
                            name: field(0)?,
                            ascii_name: field(1)?,
                            country: field(2)?,
                            admin1: field(3)?,
                            population: number(4)? as u32,
                            lat: number(5)? as f32,
                            lon: number(6)? as f32,
                            zone,
                            alternates: field(8)?,
                        });
                    }
                }
                section
            }
        };
    }
    if tables.cities.is_empty() || tables.countries.is_empty() {
        return Err(GazetteerError::Empty);
    }
    Ok(tables)
}
