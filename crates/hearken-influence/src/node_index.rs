//! Interning node names into the dense ids a [`crate::Graph`] uses.

use std::collections::HashMap;
use std::sync::Arc;

use crate::graph::{GraphError, MAX_NODES};

/// A string interner: each distinct node name gets the next `u32` id, starting at 0.
///
/// Ids are dense, so `index.len()` is the `n_nodes` to pass to [`crate::Graph::from_edges`] and
/// a score vector from [`crate::pagerank`] is indexed by the same ids.
#[derive(Debug, Clone, Default)]
pub struct NodeIndex {
    // Both sides share one allocation per name.
    ids: HashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
}

impl NodeIndex {
    /// An empty index.
    pub fn new() -> NodeIndex {
        NodeIndex::default()
    }

    /// The id of `name`, assigning the next free id if the name is new.
    ///
    /// Fails only when every `u32` id is taken.
    pub fn intern(&mut self, name: &str) -> Result<u32, GraphError> {
        if let Some(&id) = self.ids.get(name) {
            return Ok(id);
        }
        let next = self.names.len();
        let id = match u32::try_from(next) {
            Ok(id) if next < MAX_NODES => id,
            _ => {
                return Err(GraphError::TooManyNodes {
                    n_nodes: next + 1,
                    max: MAX_NODES,
                });
            }
        };
        let name: Arc<str> = Arc::from(name);
        self.ids.insert(Arc::clone(&name), id);
        self.names.push(name);
        Ok(id)
    }

    /// The id of `name`, if it was interned.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// The name behind `id`, if the id was handed out.
    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(|name| &**name)
    }

    /// The number of interned names, which is also the next id.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether nothing was interned yet.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// All names in id order: the `i`-th item is the name of id `i`.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.names.iter().map(|name| &**name)
    }
}
