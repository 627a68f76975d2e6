//! Openings: what a party publishes to open part of its declaration, and how anyone checks an
//! opening against the declaration's root alone (no other data, no trust in the opener).

use crate::counts::{CountPoints, OpenedCount, SiteCounts};
use crate::digest::{Digest, Salt};
use crate::inventory::ItemRecord;
use crate::tree::{
    DUMMY_ITEM_DOMAIN, MemTree, check_inclusion, counted_dummy_site_leaf, dummy_leaf,
    dummy_site_leaf, item_commitment, site_commitment,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Why an opening does not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpeningError {
    /// The site's commitment, recomputed from the opening, is not at the stated place under the root.
    #[error(
        "site `{site}`: its commitment is not under the declaration root at position {index} of {sites}"
    )]
    SiteNotUnderRoot {
        /// The site named in the opening.
        site: String,
        /// The stated position.
        index: u64,
        /// The stated number of sites.
        sites: u64,
    },
    /// The item's commitment is not in the site's item tree at the stated place.
    #[error("item `{uid}`: its commitment is not in site `{site}`'s item tree at position {index}")]
    ItemNotUnderSite {
        /// The item's UID.
        uid: String,
        /// The site.
        site: String,
        /// The stated position.
        index: u64,
    },
    /// An opened item names another site than the one it is committed under.
    #[error("item `{uid}` says site `{found}` but is committed under site `{expected}`")]
    WrongSite {
        /// The item's UID.
        uid: String,
        /// The site the opening sits in.
        expected: String,
        /// The site the record names.
        found: String,
    },
    /// A whole-site opening's items do not rebuild the committed item tree.
    #[error(
        "site `{site}`: the {found} opened items do not rebuild its committed list of {committed}"
    )]
    IncompleteSite {
        /// The site.
        site: String,
        /// Items the site committed to.
        committed: u64,
        /// Items opened.
        found: u64,
    },
    /// A UID appears twice.
    #[error("UID `{0}` is opened twice")]
    DuplicateUid(String),
    /// Stage-1 commitments do not rebuild the root.
    #[error("the {0} published site commitments do not rebuild the declaration root")]
    SitesDoNotRebuildRoot(usize),
}

/// Stage 2: a site's name and item count, with its salt, the root of its item tree and the
/// proof that its commitment sits under the declaration root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteCountOpening {
    /// Site name.
    pub site: String,
    /// Number of real items committed at the site.
    pub items: u64,
    /// Positions in the site's item tree: the items, plus padding under hidden totals.
    pub slots: u64,
    /// The site's salt.
    pub salt: Salt,
    /// Root of the site's item tree.
    pub items_root: Digest,
    /// Position of the site's commitment among the declaration's sites.
    pub index: u64,
    /// Number of sites in the declaration.
    pub sites: u64,
    /// RFC 6962 inclusion proof of the site's commitment under the root.
    pub proof: Vec<Digest>,
    /// Under hidden totals: the site's count in every category a limit uses, with the
    /// blinding that opens its published count commitment (the site's leaf covers them).
    #[serde(default, skip_serializing_if = "SiteCounts::is_empty")]
    pub counts: SiteCounts,
}

/// A padding site of a declaration opened: its position, its salt, and (under hidden totals)
/// the blindings that open its count commitments to zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaddingOpening {
    /// Position among the declaration's site commitments.
    pub index: u64,
    /// The padding leaf's salt.
    pub salt: Salt,
    /// Per category a limit uses: the blinding of its zero count (hex).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub blindings: BTreeMap<String, String>,
}

impl PaddingOpening {
    /// The zero counts this opening claims, with their blindings.
    pub fn counts(&self) -> SiteCounts {
        SiteCounts(
            self.blindings
                .iter()
                .map(|(c, b)| {
                    (
                        c.clone(),
                        OpenedCount {
                            count: 0,
                            blinding: b.clone(),
                        },
                    )
                })
                .collect(),
        )
    }

    /// The padding leaf, recomputed (with its zero counts under hidden totals); `None` when a
    /// blinding is not a scalar or a category name overflows.
    pub fn leaf(&self) -> Option<Digest> {
        if self.blindings.is_empty() {
            return Some(dummy_site_leaf(&self.salt));
        }
        let points = self.counts().points().ok()?;
        counted_dummy_site_leaf(&self.salt, &points)
    }
}

/// A name from party bytes, cut to a length an error message can carry.
pub fn clip_name(s: &str) -> String {
    const SHOWN: usize = 120;
    if s.len() <= SHOWN {
        return s.to_string();
    }
    let cut: String = s.chars().take(SHOWN).collect();
    format!("{cut}… ({} bytes)", s.len())
}

impl SiteCountOpening {
    /// The site's commitment, recomputed (with its count commitments, from the opened counts,
    /// under hidden totals); `None` for a name no commitment can hold or a count that does not
    /// open.
    pub fn commitment(&self) -> Option<Digest> {
        self.commitment_with(None)
    }

    /// [`SiteCountOpening::commitment`] for an opening that shows the site's count
    /// commitments without opening them (stage 2 and item bundles under hidden totals): with
    /// no opened counts, the leaf is rebuilt from `published`, the points the declaration
    /// published for this position.
    pub fn commitment_with(&self, published: Option<&CountPoints>) -> Option<Digest> {
        let opened;
        let points = if self.counts.is_empty() {
            published
        } else {
            opened = self.counts.points().ok()?;
            Some(&opened)
        };
        site_commitment(
            &self.salt,
            &self.site,
            self.items,
            self.slots,
            &self.items_root,
            points,
        )
    }

    /// Checks the opening against a declaration root.
    pub fn verify(&self, root: &Digest) -> Result<(), OpeningError> {
        self.verify_with(root, None)
    }

    /// Checks the opening against a declaration root, its leaf rebuilt with the published
    /// count commitments of its position when it opens none (see
    /// [`SiteCountOpening::commitment_with`]).
    pub fn verify_with(
        &self,
        root: &Digest,
        published: Option<&CountPoints>,
    ) -> Result<(), OpeningError> {
        let under_root = self
            .commitment_with(published)
            .is_some_and(|c| check_inclusion(&self.proof, self.sites, root, self.index, &c));
        if under_root {
            Ok(())
        } else {
            Err(OpeningError::SiteNotUnderRoot {
                site: clip_name(&self.site),
                index: self.index,
                sites: self.sites,
            })
        }
    }
}

/// An opened item inside a whole-site opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenedItem {
    /// The record.
    pub record: ItemRecord,
    /// Its salt.
    pub salt: Salt,
}

impl OpenedItem {
    /// The item's commitment, recomputed; `None` for a record no commitment can hold.
    pub fn commitment(&self) -> Option<Digest> {
        item_commitment(&self.salt, &self.record)
    }
}

/// One item with its path to the root: item → site's item tree → site commitment → root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemOpening {
    /// The record.
    pub record: ItemRecord,
    /// Its salt.
    pub salt: Salt,
    /// Position in the site's item tree.
    pub index: u64,
    /// RFC 6962 inclusion proof in the site's item tree.
    pub proof: Vec<Digest>,
    /// The site it is committed under.
    pub site: SiteCountOpening,
}

impl ItemOpening {
    /// The item's commitment, recomputed; `None` for a record no commitment can hold.
    pub fn commitment(&self) -> Option<Digest> {
        item_commitment(&self.salt, &self.record)
    }

    /// Checks the opening against a declaration root.
    pub fn verify(&self, root: &Digest) -> Result<(), OpeningError> {
        self.verify_with(root, None)
    }

    /// Checks the opening against a declaration root; under hidden totals `published` is the
    /// declaration's count commitments at the site's position (the opening does not open them).
    pub fn verify_with(
        &self,
        root: &Digest,
        published: Option<&CountPoints>,
    ) -> Result<(), OpeningError> {
        self.site.verify_with(root, published)?;
        if self.record.site != self.site.site {
            return Err(OpeningError::WrongSite {
                uid: clip_name(&self.record.uid),
                expected: clip_name(&self.site.site),
                found: clip_name(&self.record.site),
            });
        }
        let under_site = self.commitment().is_some_and(|c| {
            check_inclusion(
                &self.proof,
                self.site.slots,
                &self.site.items_root,
                self.index,
                &c,
            )
        });
        if under_site {
            Ok(())
        } else {
            Err(OpeningError::ItemNotUnderSite {
                uid: clip_name(&self.record.uid),
                site: clip_name(&self.site.site),
                index: self.index,
            })
        }
    }
}

/// Stage 3 for a site: every committed item of the site, in tree order. Because the whole list
/// is opened, an item found at the site but absent from it is provably undeclared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteOpening {
    /// The site's header (stage 2 data) and its path to the root.
    pub header: SiteCountOpening,
    /// Every real item, in tree order.
    pub items: Vec<OpenedItem>,
    /// The salts of the site's padding leaves (under hidden totals).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dummies: Vec<Salt>,
}

/// Whether an item observed at an opened site is on its committed list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "presence")]
pub enum Presence {
    /// On the list, with this record.
    Declared {
        /// The committed record.
        record: ItemRecord,
    },
    /// Not on the site's committed list.
    Undeclared,
}

impl SiteOpening {
    /// Checks the opening against a declaration root: the header is under the root, the items
    /// rebuild exactly the committed item tree (none missing, none added), each names this site,
    /// and no UID repeats.
    pub fn verify(&self, root: &Digest) -> Result<(), OpeningError> {
        self.header.verify(root)?;
        let mut uids = BTreeSet::new();
        for item in &self.items {
            if item.record.site != self.header.site {
                return Err(OpeningError::WrongSite {
                    uid: clip_name(&item.record.uid),
                    expected: clip_name(&self.header.site),
                    found: clip_name(&item.record.site),
                });
            }
            if !uids.insert(item.record.uid.as_str()) {
                return Err(OpeningError::DuplicateUid(clip_name(&item.record.uid)));
            }
        }
        let incomplete = || OpeningError::IncompleteSite {
            site: clip_name(&self.header.site),
            committed: self.header.items,
            found: self.items.len() as u64,
        };
        let mut leaves: Vec<Digest> = self
            .items
            .iter()
            .map(|i| i.commitment().ok_or_else(incomplete))
            .chain(
                self.dummies
                    .iter()
                    .map(|d| Ok(dummy_leaf(DUMMY_ITEM_DOMAIN, &d.0))),
            )
            .collect::<Result<_, _>>()?;
        leaves.sort_unstable();
        let tree = MemTree::from_leaves(leaves);
        if self.items.len() as u64 != self.header.items
            || tree.size() != self.header.slots
            || tree.root() != self.header.items_root
        {
            return Err(incomplete());
        }
        Ok(())
    }

    /// Looks up an item observed at the site. Meaningful only after [`SiteOpening::verify`].
    pub fn presence(&self, uid: &str) -> Presence {
        match self.items.iter().find(|i| i.record.uid == uid) {
            Some(i) => Presence::Declared {
                record: i.record.clone(),
            },
            None => Presence::Undeclared,
        }
    }
}

/// The root that stage-1 site commitments rebuild (in the order published).
pub fn root_of_site_commitments(sites: &[Digest]) -> Digest {
    MemTree::from_leaves(sites.iter().copied()).root()
}
