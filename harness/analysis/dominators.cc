#include "harness/analysis/dominators.h"

namespace leakcheck::analysis {

using snapshot::EdgeIndex;
using snapshot::EdgeType;

std::vector<uint8_t> MarkStronglyReachable(const HeapGraph& g) {
  const uint32_t n = g.NodeCount();
  std::vector<uint8_t> strong(n, 0);
  std::vector<NodeIndex> stack;
  for (EdgeIndex e = g.FirstEdge(HeapGraph::kRoot); e < g.EndEdge(HeapGraph::kRoot); ++e) {
    if (g.EdgeKind(e) == EdgeType::kShortcut) continue;
    NodeIndex to = g.EdgeTarget(e);
    if (g.EdgeKind(e) == EdgeType::kElement && g.Type(to) == snapshot::NodeType::kSynthetic &&
        g.Name(to) == "(Document DOM trees)")
      continue;
    strong[to] = 1;
    stack.push_back(to);
  }
  while (!stack.empty()) {
    NodeIndex from = stack.back();
    stack.pop_back();
    for (EdgeIndex e = g.FirstEdge(from); e < g.EndEdge(from); ++e) {
      NodeIndex to = g.EdgeTarget(e);
      if (strong[to] || g.EdgeKind(e) == EdgeType::kWeak) continue;
      strong[to] = 1;
      stack.push_back(to);
    }
  }
  return strong;
}

bool IsEssentialEdge(NodeIndex from, EdgeType type, NodeIndex to,
                     const std::vector<uint8_t>& strong) {
  if (from == to) return false;
  if (type == EdgeType::kWeak) return false;
  if (from == HeapGraph::kRoot) return true;
  if (type == EdgeType::kShortcut) return false;
  return !(strong[to] && !strong[from]);
}

namespace {

// Working arrays are 1-based vertex numbers (0 = none); vertex v is node v - 1.
class LengauerTarjan {
 public:
  explicit LengauerTarjan(const HeapGraph& g)
      : g_(g),
        n_(g.NodeCount()),
        strong_(MarkStronglyReachable(g)),
        parent_(n_ + 1),
        ancestor_(n_ + 1),
        vertex_(n_ + 1),
        label_(n_ + 1),
        semi_(n_ + 1),
        dom_(n_ + 1),
        cursor_(n_ + 1) {}

  std::vector<NodeIndex> Run();
  /// vertex i (1-based) in DFS order; valid after Run().
  std::vector<uint32_t> TakeOrder() { return std::move(vertex_); }

 private:
  bool Essential(NodeIndex from, EdgeType type, NodeIndex to) const {
    return IsEssentialEdge(from, type, to, strong_);
  }
  void Dfs(uint32_t root);
  uint32_t Eval(uint32_t v);
  bool OnlyWeakRetainers(NodeIndex node) const;

  const HeapGraph& g_;
  const uint32_t n_;
  std::vector<uint8_t> strong_;
  std::vector<uint32_t> parent_, ancestor_, vertex_, label_, semi_, dom_, cursor_;
  std::vector<uint32_t> compress_stack_;
  uint32_t count_ = 0;
};

void LengauerTarjan::Dfs(uint32_t root) {
  cursor_[root] = g_.FirstEdge(root - 1);
  uint32_t v = root;
  while (v != 0) {
    if (semi_[v] == 0) {
      semi_[v] = ++count_;
      vertex_[count_] = label_[v] = v;
    }
    uint32_t next = parent_[v];
    const NodeIndex node = v - 1;
    for (const EdgeIndex end = g_.EndEdge(node); cursor_[v] < end; ++cursor_[v]) {
      const EdgeIndex e = cursor_[v];
      const NodeIndex to = g_.EdgeTarget(e);
      if (!Essential(node, g_.EdgeKind(e), to)) continue;
      const uint32_t w = to + 1;
      if (semi_[w] == 0) {
        parent_[w] = v;
        cursor_[w] = g_.FirstEdge(w - 1);
        next = w;
        break;
      }
    }
    v = next;
  }
}

uint32_t LengauerTarjan::Eval(uint32_t v) {
  if (ancestor_[v] == 0) return v;
  // Path compression, iteratively.
  compress_stack_.clear();
  uint32_t u = v;
  while (ancestor_[ancestor_[u]] != 0) {
    compress_stack_.push_back(u);
    u = ancestor_[u];
  }
  while (!compress_stack_.empty()) {
    uint32_t w = compress_stack_.back();
    compress_stack_.pop_back();
    if (semi_[label_[ancestor_[w]]] < semi_[label_[w]]) label_[w] = label_[ancestor_[w]];
    ancestor_[w] = ancestor_[ancestor_[w]];
  }
  return label_[v];
}

bool LengauerTarjan::OnlyWeakRetainers(NodeIndex node) const {
  for (uint32_t s = g_.FirstRetainer(node); s < g_.EndRetainer(node); ++s) {
    EdgeType t = g_.RetainerEdgeType(s);
    if (t != EdgeType::kWeak && t != EdgeType::kShortcut) return false;
  }
  return true;
}

std::vector<NodeIndex> LengauerTarjan::Run() {
  const uint32_t r = HeapGraph::kRoot + 1;
  Dfs(r);
  // Nodes held only weakly hang under the root, with whatever they alone reach.
  if (count_ < n_) {
    for (uint32_t v = 1; v <= n_; ++v) {
      if (semi_[v] == 0 && OnlyWeakRetainers(v - 1)) {
        parent_[v] = r;
        Dfs(v);
      }
    }
  }
  // What is left is retained only by itself (unreachable cycles): also under the root.
  if (count_ < n_) {
    for (uint32_t v = 1; v <= n_; ++v) {
      if (semi_[v] == 0) {
        parent_[v] = r;
        semi_[v] = ++count_;
        vertex_[count_] = label_[v] = v;
      }
    }
  }
  // Buckets as singly linked lists: head per vertex, next per member (reusing the DFS cursors).
  std::vector<uint32_t> bucket_head(n_ + 1, 0);
  std::vector<uint32_t>& bucket_next = cursor_;
  for (uint32_t i = count_; i >= 2; --i) {
    const uint32_t w = vertex_[i];
    const NodeIndex node = w - 1;
    bool orphan = true;
    for (uint32_t s = g_.FirstRetainer(node); s < g_.EndRetainer(node); ++s) {
      const NodeIndex from = g_.RetainerNode(s);
      if (!Essential(from, g_.RetainerEdgeType(s), node)) continue;
      orphan = false;
      const uint32_t u = Eval(from + 1);
      if (semi_[u] < semi_[w]) semi_[w] = semi_[u];
    }
    if (orphan) semi_[w] = semi_[r];
    const uint32_t sdom = vertex_[semi_[w]];
    bucket_next[w] = bucket_head[sdom];
    bucket_head[sdom] = w;
    ancestor_[w] = parent_[w];  // link
    const uint32_t p = parent_[w];
    for (uint32_t v = bucket_head[p]; v != 0; v = bucket_next[v]) {
      const uint32_t u = Eval(v);
      dom_[v] = semi_[u] < semi_[v] ? u : p;
    }
    bucket_head[p] = 0;
  }
  dom_[0] = dom_[r] = r;
  for (uint32_t i = 2; i <= count_; ++i) {
    const uint32_t w = vertex_[i];
    if (dom_[w] != vertex_[semi_[w]]) dom_[w] = dom_[dom_[w]];
  }
  // Vertex v is node v - 1: shift down in place and hand the array over.
  for (uint32_t v = 1; v <= n_; ++v) dom_[v - 1] = dom_[v] - 1;
  dom_.pop_back();
  return std::move(dom_);
}

}  // namespace

DominatorTree ComputeDominators(const HeapGraph& g) {
  const uint32_t n = g.NodeCount();
  DominatorTree tree;
  std::vector<uint32_t> order;
  {
    LengauerTarjan lt(g);
    tree.idom = lt.Run();
    order = lt.TakeOrder();
  }
  // Retained sizes: accumulate in reverse DFS order, so children are summed before parents.
  tree.retained.resize(n);
  for (NodeIndex i = 0; i < n; ++i) tree.retained[i] = g.SelfSize(i);
  for (uint32_t i = n; i > 1; --i) {
    const NodeIndex node = order[i] - 1;
    tree.retained[tree.idom[node]] += tree.retained[node];
  }
  // Children lists (CSR) by counting sort on the immediate dominator.
  tree.first_child.assign(n + 1, 0);
  for (NodeIndex i = 1; i < n; ++i) ++tree.first_child[tree.idom[i] + 1];
  for (uint32_t i = 0; i < n; ++i) tree.first_child[i + 1] += tree.first_child[i];
  tree.children.resize(n > 0 ? n - 1 : 0);
  std::vector<uint32_t> next(tree.first_child.begin(), tree.first_child.end() - 1);
  for (NodeIndex i = 1; i < n; ++i) tree.children[next[tree.idom[i]]++] = i;
  return tree;
}

}  // namespace leakcheck::analysis
