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

// Semi-NCA (Georgiadis; the semidominators of Lengauer–Tarjan, then each immediate dominator as
// the nearest common ancestor of the parent and the semidominator), on vertices numbered in DFS
// order, 1-based (0 = none; the root is 1). Memory is the point: the predecessor lists hold only
// essential edges, already in DFS numbers, so the graph needs no retainer arrays, and at the
// peak (the semidominator pass) there are five per-vertex arrays, where Lengauer–Tarjan's
// buckets need eight.
class SemiNca {
 public:
  SemiNca(const HeapGraph& g, snapshot::PhaseTimes* times)
      : g_(g), n_(g.NodeCount()), times_(times) {}

  /// Fills tree.idom (node space); returns the nodes in DFS order (order[i] = node of vertex i).
  snapshot::BigVector<NodeIndex> Run(DominatorTree& tree);

 private:
  void Number(NodeIndex node, uint32_t parent) {
    pre_[node] = ++count_;
    vertex_[count_] = node;
    parent_[count_] = parent;
    cursor_[count_] = g_.FirstEdge(node);
  }
  void Dfs(NodeIndex start, uint32_t parent);
  void BuildPredecessors();
  uint32_t Eval(uint32_t v);

  const HeapGraph& g_;
  const uint32_t n_;
  snapshot::PhaseTimes* times_;
  std::vector<uint8_t> strong_;
  snapshot::BigVector<uint32_t> pre_;      // node -> vertex (0: not yet numbered); reused as label_
  snapshot::BigVector<NodeIndex> vertex_;  // vertex -> node
  snapshot::BigVector<uint32_t> parent_;   // vertex -> DFS parent; becomes the immediate dominator
  snapshot::BigVector<uint32_t> cursor_;   // vertex -> next edge to look at (DFS); reused as semi_
  snapshot::BigVector<uint32_t> pred_first_, pred_;  // essential predecessors by vertex (CSR)
  snapshot::BigVector<uint32_t> label_, semi_, ancestor_;
  std::vector<uint32_t> compress_stack_;
  uint32_t count_ = 0;
};

void SemiNca::Dfs(NodeIndex start, uint32_t parent) {
  Number(start, parent);
  uint32_t v = count_;
  while (v != parent) {
    const NodeIndex node = vertex_[v];
    uint32_t next = parent_[v];
    for (const EdgeIndex end = g_.EndEdge(node); cursor_[v] < end;) {
      const EdgeIndex e = cursor_[v]++;
      const NodeIndex to = g_.EdgeTarget(e);
      if (pre_[to] != 0 || !IsEssentialEdge(node, g_.EdgeKind(e), to, strong_)) continue;
      Number(to, v);
      next = count_;
      break;
    }
    v = next;
  }
}

// Counting sort of the essential edges by target vertex; each slot holds the source vertex.
void SemiNca::BuildPredecessors() {
  snapshot::ReserveFilled(pred_first_, n_ + 2);
  pred_first_.assign(n_ + 2, 0);
  for (NodeIndex from = 0; from < n_; ++from)
    for (EdgeIndex e = g_.FirstEdge(from), end = g_.EndEdge(from); e < end; ++e) {
      const NodeIndex to = g_.EdgeTarget(e);
      if (IsEssentialEdge(from, g_.EdgeKind(e), to, strong_)) ++pred_first_[pre_[to]];
    }
  for (uint32_t v = 1; v <= n_ + 1; ++v) pred_first_[v] += pred_first_[v - 1];
  snapshot::ReserveFilled(pred_, pred_first_[n_ + 1]);
  pred_.resize(pred_first_[n_ + 1]);
  // Filled backwards: afterwards pred_first_[v] is where v's run starts.
  for (NodeIndex from = n_; from-- > 0;)
    for (EdgeIndex e = g_.EndEdge(from), first = g_.FirstEdge(from); e-- > first;) {
      const NodeIndex to = g_.EdgeTarget(e);
      if (IsEssentialEdge(from, g_.EdgeKind(e), to, strong_))
        pred_[--pred_first_[pre_[to]]] = pre_[from];
    }
}

uint32_t SemiNca::Eval(uint32_t v) {
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

snapshot::BigVector<NodeIndex> SemiNca::Run(DominatorTree& tree) {
  strong_ = MarkStronglyReachable(g_);
  snapshot::MarkPhase(times_, "dominators: strong reach");
  for (auto* array : {&pre_, &vertex_, &parent_, &cursor_}) snapshot::ReserveFilled(*array, n_ + 1);
  pre_.assign(n_ + 1, 0);
  vertex_.resize(n_ + 1);
  parent_.resize(n_ + 1);
  cursor_.resize(n_ + 1);
  const uint32_t r = 1;
  Dfs(HeapGraph::kRoot, 0);
  // Nodes held only weakly hang under the root, with whatever they alone reach.
  if (count_ < n_) {
    std::vector<uint8_t> held(n_, 0);  // has a retainer that is neither weak nor a shortcut
    for (EdgeIndex e = 0; e < g_.EdgeCount(); ++e) {
      const EdgeType t = g_.EdgeKind(e);
      if (t != EdgeType::kWeak && t != EdgeType::kShortcut) held[g_.EdgeTarget(e)] = 1;
    }
    for (NodeIndex node = 0; node < n_; ++node)
      if (pre_[node] == 0 && !held[node]) Dfs(node, r);
  }
  // What is left is retained only by itself (unreachable cycles): also under the root.
  for (NodeIndex node = 0; node < n_ && count_ < n_; ++node)
    if (pre_[node] == 0) Number(node, r);
  snapshot::MarkPhase(times_, "dominators: DFS");
  BuildPredecessors();
  snapshot::MarkPhase(times_, "dominators: predecessors");
  std::vector<uint8_t>().swap(strong_);
  // pre_ is done with: its memory becomes the labels, the cursors' the semidominators.
  label_ = std::move(pre_);
  semi_ = std::move(cursor_);
  for (uint32_t v = 0; v <= n_; ++v) label_[v] = semi_[v] = v;
  snapshot::ReserveFilled(ancestor_, n_ + 1);
  ancestor_.assign(n_ + 1, 0);
  for (uint32_t w = n_; w >= 2; --w) {
    uint32_t semi = r;  // no essential retainer: the root's virtual edge
    if (pred_first_[w] != pred_first_[w + 1]) {
      semi = semi_[w];
      for (uint32_t slot = pred_first_[w]; slot < pred_first_[w + 1]; ++slot) {
        const uint32_t u = Eval(pred_[slot]);
        if (semi_[u] < semi) semi = semi_[u];
      }
    }
    semi_[w] = semi;
    ancestor_[w] = parent_[w];  // link
  }
  snapshot::MarkPhase(times_, "dominators: semidominators");
  snapshot::BigVector<uint32_t>().swap(label_);
  snapshot::BigVector<uint32_t>().swap(ancestor_);
  snapshot::BigVector<uint32_t>().swap(pred_);
  snapshot::BigVector<uint32_t>().swap(pred_first_);
  // The immediate dominator is the nearest ancestor of the parent numbered at most semi(w);
  // vertices are visited in DFS order, so those above w already hold their final value.
  snapshot::BigVector<uint32_t>& idom = parent_;
  idom[r] = r;
  for (uint32_t w = 2; w <= n_; ++w)
    while (idom[w] > semi_[w]) idom[w] = idom[idom[w]];
  snapshot::BigVector<uint32_t>().swap(semi_);
  tree.idom.resize(n_);
  for (uint32_t w = 1; w <= n_; ++w) tree.idom[vertex_[w]] = vertex_[idom[w]];
  snapshot::BigVector<uint32_t>().swap(parent_);
  snapshot::MarkPhase(times_, "dominators: idoms");
  return std::move(vertex_);
}

}  // namespace

DominatorTree ComputeDominators(const HeapGraph& g, snapshot::PhaseTimes* times) {
  const uint32_t n = g.NodeCount();
  DominatorTree tree;
  // order[i] is the node of DFS vertex i (order[0] unused).
  snapshot::BigVector<NodeIndex> order = SemiNca(g, times).Run(tree);
  // Retained sizes: accumulate in reverse DFS order, so children are summed before parents.
  tree.retained.resize(n);
  for (NodeIndex i = 0; i < n; ++i) tree.retained[i] = g.SelfSize(i);
  for (uint32_t i = n; i > 1; --i) {
    const NodeIndex node = order[i];
    tree.retained[tree.idom[node]] += tree.retained[node];
  }
  snapshot::BigVector<NodeIndex>().swap(order);
  snapshot::MarkPhase(times, "dominators: retained sizes");
  // Children lists (CSR) by counting sort on the immediate dominator.
  tree.first_child.assign(n + 1, 0);
  for (NodeIndex i = 1; i < n; ++i) ++tree.first_child[tree.idom[i] + 1];
  for (uint32_t i = 0; i < n; ++i) tree.first_child[i + 1] += tree.first_child[i];
  tree.children.resize(n > 0 ? n - 1 : 0);
  snapshot::BigVector<uint32_t> next(tree.first_child.begin(), tree.first_child.end() - 1);
  for (NodeIndex i = 1; i < n; ++i) tree.children[next[tree.idom[i]]++] = i;
  snapshot::MarkPhase(times, "dominators: children");
  return tree;
}

}  // namespace leakcheck::analysis
