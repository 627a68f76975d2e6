//! Party codes: ISO 3166-1 alpha-3, the only way a state is named anywhere in Verity.
//! Parsing a code checks it against the standard's list, so `US` or `XXX` never gets in.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Every ISO 3166-1 alpha-3 code (249 officially assigned codes).
const ISO_3166_ALPHA3: &str = "AFG ALA ALB DZA ASM AND AGO AIA ATA ATG ARG ARM ABW AUS AUT AZE BHS BHR \
BGD BRB BLR BEL BLZ BEN BMU BTN BOL BES BIH BWA BVT BRA IOT BRN BGR BFA BDI CPV KHM CMR CAN CYM CAF \
TCD CHL CHN CXR CCK COL COM COG COD COK CRI CIV HRV CUB CUW CYP CZE DNK DJI DMA DOM ECU EGY SLV GNQ \
ERI EST SWZ ETH FLK FRO FJI FIN FRA GUF PYF ATF GAB GMB GEO DEU GHA GIB GRC GRL GRD GLP GUM GTM GGY \
GIN GNB GUY HTI HMD VAT HND HKG HUN ISL IND IDN IRN IRQ IRL IMN ISR ITA JAM JPN JEY JOR KAZ KEN KIR \
PRK KOR KWT KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MAC MDG MWI MYS MDV MLI MLT MHL MTQ MRT MUS MYT \
MEX FSM MDA MCO MNG MNE MSR MAR MOZ MMR NAM NRU NPL NLD NCL NZL NIC NER NGA NIU NFK MKD MNP NOR OMN \
PAK PLW PSE PAN PNG PRY PER PHL PCN POL PRT PRI QAT REU ROU RUS RWA BLM SHN KNA LCA MAF SPM VCT WSM \
SMR STP SAU SEN SRB SYC SLE SGP SXM SVK SVN SLB SOM ZAF SGS SSD ESP LKA SDN SUR SJM SWE CHE SYR TWN \
TJK TZA THA TLS TGO TKL TON TTO TUN TUR TKM TCA TUV UGA UKR ARE GBR USA UMI URY UZB VUT VEN VNM VGB \
VIR WLF ESH YEM ZMB ZWE";

/// Short English names of the nine nuclear-armed states, the ones Verity's data speaks of.
const NAMES: [(&str, &str); 9] = [
    ("USA", "United States"),
    ("RUS", "Russia"),
    ("CHN", "China"),
    ("GBR", "United Kingdom"),
    ("FRA", "France"),
    ("IND", "India"),
    ("PAK", "Pakistan"),
    ("PRK", "North Korea"),
    ("ISR", "Israel"),
];

/// A state, named by its ISO 3166-1 alpha-3 code. On the wire it is the three letters; a
/// string that is not an assigned code does not deserialise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct PartyCode([u8; 3]);

/// Why a text is not a party code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PartyCodeError {
    /// Not three upper-case ASCII letters.
    #[error(
        "`{0}` is not an ISO 3166-1 alpha-3 code (three upper-case letters, e.g. USA, RUS, CHN)"
    )]
    NotAlpha3(String),
    /// Three letters, but no state has them.
    #[error("`{0}` is not an assigned ISO 3166-1 alpha-3 code")]
    Unassigned(String),
}

impl PartyCode {
    /// Parses an ISO 3166-1 alpha-3 code (upper case, as the standard writes it).
    pub fn parse(code: &str) -> Result<Self, PartyCodeError> {
        let bytes = code.as_bytes();
        let [a, b, c] = bytes else {
            return Err(PartyCodeError::NotAlpha3(code.chars().take(64).collect()));
        };
        if !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(PartyCodeError::NotAlpha3(code.to_string()));
        }
        if !ISO_3166_ALPHA3.split_ascii_whitespace().any(|c| c == code) {
            return Err(PartyCodeError::Unassigned(code.to_string()));
        }
        Ok(Self([*a, *b, *c]))
    }

    /// The three-letter code.
    pub fn as_str(&self) -> &str {
        // The bytes were checked to be ASCII upper-case letters in `parse`.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// A short English name for the nine nuclear-armed states; the code itself otherwise.
    pub fn name(&self) -> &str {
        NAMES
            .iter()
            .find(|(c, _)| *c == self.as_str())
            .map_or(self.as_str(), |(_, n)| n)
    }
}

impl fmt::Display for PartyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for PartyCode {
    type Error = PartyCodeError;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Self::parse(&code)
    }
}

impl std::str::FromStr for PartyCode {
    type Err = PartyCodeError;
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::parse(code)
    }
}

impl From<PartyCode> for String {
    fn from(code: PartyCode) -> Self {
        code.as_str().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_every_assigned_code_once() {
        let codes: Vec<&str> = ISO_3166_ALPHA3.split_ascii_whitespace().collect();
        assert_eq!(codes.len(), 249);
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 249);
    }

    #[test]
    fn nuclear_states_parse_and_have_names() {
        for (code, name) in NAMES {
            let p = PartyCode::parse(code).unwrap();
            assert_eq!(p.as_str(), code);
            assert_eq!(p.name(), name);
        }
    }

    #[test]
    fn two_letter_lower_case_and_unassigned_codes_are_rejected() {
        assert!(
            PartyCode::parse("US")
                .unwrap_err()
                .to_string()
                .contains("three upper-case")
        );
        assert!(PartyCode::parse("usa").is_err());
        assert!(
            PartyCode::parse("XXX")
                .unwrap_err()
                .to_string()
                .contains("not an assigned")
        );
        assert!(PartyCode::parse("SUN").is_err());
        let json: Result<PartyCode, _> = serde_json::from_str("\"XXX\"");
        assert!(json.is_err());
        let usa: PartyCode = serde_json::from_str("\"USA\"").unwrap();
        assert_eq!(serde_json::to_string(&usa).unwrap(), "\"USA\"");
    }
}
