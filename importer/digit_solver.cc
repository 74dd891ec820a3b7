#include "importer/digit_solver.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace gongkai::importer {
namespace {

using Values = std::vector<std::optional<int64_t>>;

constexpr size_t kMaxCandidates = 50'000;
constexpr int kMaxCellChars = 24;  // money: 18 digits and a point

// Position of a run's cell: which run, and where in it.
struct CellOwner {
  int run = -1;
  int pos = -1;
};

// A rule as terms over runs plus a constant from known cells: constant + Σ coef·value == 0.
struct Term {
  int run;
  int pos;
  int coef;
};
struct Rule {
  std::vector<Term> terms;
  int64_t constant = 0;
  std::vector<int> runs;  // distinct runs it touches
};

class Splitter {
 public:
  Splitter(const SolverProblem& problem, const DigitRun& run, const std::vector<const Rule*>& local,
           int64_t* budget)
      : problem_(problem), run_(run), local_(local), budget_(budget) {
    std::string current;
    auto flush = [&]() {
      if (!current.empty()) segments_.push_back(current);
      current.clear();
    };
    for (char c : run.text) {
      if (c == ' ') {
        flush();
      } else if (c == '_') {
        flush();
        segments_.push_back("_");
      } else {
        current.push_back(c);
      }
    }
    flush();
    const size_t n = segments_.size();
    suffix_chars_.assign(n + 1, 0);
    suffix_numeric_.assign(n + 1, 0);
    suffix_blank_.assign(n + 1, 0);
    for (size_t i = n; i-- > 0;) {
      const bool blank = segments_[i] == "_";
      suffix_chars_[i] = suffix_chars_[i + 1] + (blank ? 0 : static_cast<int>(segments_[i].size()));
      suffix_numeric_[i] = suffix_numeric_[i + 1] + (blank ? 0 : 1);
      suffix_blank_[i] = suffix_blank_[i + 1] + (blank ? 1 : 0);
    }
    values_.resize(run.cells.size());
    // The most characters the cells from each position on can hold.
    suffix_capacity_.assign(run.cells.size() + 1, 0);
    for (size_t i = run.cells.size(); i-- > 0;) {
      suffix_capacity_[i] = suffix_capacity_[i + 1] + MaxChars(problem.kinds[run.cells[i]]);
    }
  }

  static int MaxChars(CellKind kind) {
    return kind == CellKind::kMoney ? kMaxCellChars : (kind == CellKind::kSignedCount ? 11 : 10);
  }

  // Returns false when the budget or the candidate cap ran out.
  bool Enumerate(std::vector<Values>* out) {
    out_ = out;
    Step(0, 0, 0);
    return !gave_up_;
  }

 private:
  MoneyUnit UnitOf(int cell) const {
    return problem_.money_units.empty() ? MoneyUnit::kWanYuan : problem_.money_units[cell];
  }

  void Step(size_t seg, int off, size_t ci) {
    if (gave_up_) return;
    if (--*budget_ < 0) {
      gave_up_ = true;
      return;
    }
    const int cells_left = static_cast<int>(run_.cells.size() - ci);
    if (seg == segments_.size()) {
      if (cells_left == 0) Complete();
      return;
    }
    // Prune: every numeric segment needs a cell, every blank one exactly one, and no cell is
    // longer than kMaxCellChars.
    const int chars_left = suffix_chars_[seg] - off;
    const int blanks = suffix_blank_[seg];
    const int numeric_segments = suffix_numeric_[seg];
    if (cells_left < blanks + numeric_segments || cells_left - blanks > chars_left ||
        chars_left > suffix_capacity_[ci]) {
      return;
    }
    const std::string& s = segments_[seg];
    if (s == "_") {
      values_[ci] = std::nullopt;
      Step(seg + 1, 0, ci + 1);
      return;
    }
    const int cell = run_.cells[ci];
    const int remaining = static_cast<int>(s.size()) - off;
    for (int len = 1; len <= remaining && len <= kMaxCellChars; ++len) {
      const auto value =
          ParseCellText(absl::string_view(s).substr(off, len), problem_.kinds[cell], UnitOf(cell));
      if (!value.has_value()) continue;
      values_[ci] = value;
      if (len == remaining) {
        Step(seg + 1, 0, ci + 1);
      } else {
        Step(seg, off + len, ci + 1);
      }
      if (gave_up_) return;
    }
  }

  void Complete() {
    for (const Rule* rule : local_) {
      int64_t sum = rule->constant;
      for (const Term& t : rule->terms) sum += t.coef * values_[t.pos].value_or(0);
      if (sum != 0) return;
    }
    if (out_->size() >= kMaxCandidates) {
      gave_up_ = true;
      return;
    }
    out_->push_back(values_);
  }

  const SolverProblem& problem_;
  const DigitRun& run_;
  const std::vector<const Rule*>& local_;
  int64_t* budget_;
  std::vector<std::string> segments_;
  std::vector<int> suffix_chars_, suffix_numeric_, suffix_blank_, suffix_capacity_;
  Values values_;
  std::vector<Values>* out_ = nullptr;
  bool gave_up_ = false;
};

// Joint search over the runs of one component, recording which candidates take part in at
// least one full solution.
class JointSearch {
 public:
  JointSearch(const std::vector<int>& runs, const std::vector<const Rule*>& rules,
              const std::vector<std::vector<Values>>& candidates, int64_t* budget)
      : candidates_(candidates), budget_(budget) {
    members_ = runs;
    std::sort(members_.begin(), members_.end(),
              [&](int a, int b) { return candidates[a].size() < candidates[b].size(); });
    const size_t nm = members_.size();
    links_.resize(nm);
    partial_.assign(rules.size(), 0);
    rem_min_.assign(rules.size(), 0);
    rem_max_.assign(rules.size(), 0);
    for (size_t r = 0; r < rules.size(); ++r) {
      partial_[r] = rules[r]->constant;
      for (size_t m = 0; m < nm; ++m) {
        const int run = members_[m];
        if (std::find(rules[r]->runs.begin(), rules[r]->runs.end(), run) == rules[r]->runs.end()) {
          continue;
        }
        Link link;
        link.rule = static_cast<int>(r);
        link.min = std::numeric_limits<int64_t>::max();
        link.max = std::numeric_limits<int64_t>::min();
        link.per_candidate.reserve(candidates[run].size());
        for (const Values& cand : candidates[run]) {
          int64_t sum = 0;
          for (const Term& t : rules[r]->terms) {
            if (t.run == run) sum += t.coef * cand[t.pos].value_or(0);
          }
          link.per_candidate.push_back(sum);
          link.min = std::min(link.min, sum);
          link.max = std::max(link.max, sum);
        }
        rem_min_[r] += link.min;
        rem_max_[r] += link.max;
        links_[m].push_back(std::move(link));
      }
    }
    chosen_.assign(nm, 0);
    seen_.resize(nm);
    first_.resize(nm);
    varied_.resize(nm);
    for (size_t m = 0; m < nm; ++m) {
      const auto& cands = candidates[members_[m]];
      seen_[m].assign(cands.size(), false);
      const size_t width = cands.empty() ? 0 : cands[0].size();
      varied_[m].assign(width, false);
      unvaried_ += static_cast<int>(width);
    }
  }

  // Returns false when the budget ran out.
  bool Run() {
    Step(0);
    return !gave_up_;
  }
  bool solved() const { return solutions_ > 0; }
  // Which candidates of `run` took part in a solution.
  const std::vector<bool>& seen(int run) const {
    const size_t m = std::find(members_.begin(), members_.end(), run) - members_.begin();
    return seen_[m];
  }

 private:
  struct Link {
    int rule = 0;
    std::vector<int64_t> per_candidate;
    int64_t min = 0, max = 0;
  };

  void Step(size_t level) {
    if (gave_up_ || done_) return;
    if (--*budget_ < 0) {
      gave_up_ = true;
      return;
    }
    if (level == members_.size()) {
      Record();
      return;
    }
    const size_t ncand = candidates_[members_[level]].size();
    for (size_t c = 0; c < ncand; ++c) {
      bool ok = true;
      for (const Link& link : links_[level]) {
        const int r = link.rule;
        partial_[r] += link.per_candidate[c];
        rem_min_[r] -= link.min;
        rem_max_[r] -= link.max;
        if (partial_[r] + rem_min_[r] > 0 || partial_[r] + rem_max_[r] < 0) ok = false;
      }
      chosen_[level] = static_cast<int>(c);
      if (ok) Step(level + 1);
      for (const Link& link : links_[level]) {
        const int r = link.rule;
        partial_[r] -= link.per_candidate[c];
        rem_min_[r] += link.min;
        rem_max_[r] += link.max;
      }
      if (gave_up_ || done_) return;
    }
  }

  void Record() {
    ++solutions_;
    for (size_t m = 0; m < members_.size(); ++m) {
      const int c = chosen_[m];
      seen_[m][c] = true;
      const Values& v = candidates_[members_[m]][c];
      if (solutions_ == 1) {
        first_[m] = v;
        continue;
      }
      for (size_t i = 0; i < v.size(); ++i) {
        if (!varied_[m][i] && v[i] != first_[m][i]) {
          varied_[m][i] = true;
          --unvaried_;
        }
      }
    }
    // Once every cell has shown two values, more solutions teach nothing new.
    if (unvaried_ == 0) done_ = true;
  }

  const std::vector<std::vector<Values>>& candidates_;
  int64_t* budget_;
  std::vector<int> members_;              // runs, fewest candidates first
  std::vector<std::vector<Link>> links_;  // per member: the rules it takes part in
  std::vector<int64_t> partial_, rem_min_, rem_max_;
  std::vector<int> chosen_;
  std::vector<std::vector<bool>> seen_;
  std::vector<Values> first_;
  std::vector<std::vector<bool>> varied_;
  int unvaried_ = 0;
  int64_t solutions_ = 0;
  bool gave_up_ = false;
  bool done_ = false;
};

void Summarize(const std::vector<Values>& candidates, const std::vector<bool>* seen,
               RunSolution* out) {
  const size_t width = out->values.size();
  out->splits = 0;
  for (size_t c = 0; c < candidates.size(); ++c) {
    if (seen != nullptr && !(*seen)[c]) continue;
    const Values& v = candidates[c];
    if (out->splits == 0) {
      out->values = v;
    } else {
      for (size_t i = 0; i < width; ++i) {
        if (v[i] != out->values[i]) out->uncertain[i] = true;
      }
    }
    ++out->splits;
    if (out->alternatives.size() < kMaxAlternatives &&
        std::find(out->alternatives.begin(), out->alternatives.end(), v) ==
            out->alternatives.end()) {
      out->alternatives.push_back(v);
    }
  }
  if (out->splits == 0) {
    out->status = RunSolution::Status::kImpossible;
    out->uncertain.assign(width, true);
  } else {
    out->status = out->splits == 1 ? RunSolution::Status::kUnique : RunSolution::Status::kAmbiguous;
  }
  for (size_t i = 0; i < width; ++i) {
    if (out->uncertain[i]) out->values[i] = std::nullopt;
  }
}

// Sizes each run's result and records which run and position own each cell.
std::vector<CellOwner> InitResults(const SolverProblem& problem, std::vector<RunSolution>* result) {
  const int nruns = static_cast<int>(problem.runs.size());
  const int ncells = static_cast<int>(problem.kinds.size());
  std::vector<CellOwner> owner(ncells);
  for (int r = 0; r < nruns; ++r) {
    const DigitRun& run = problem.runs[r];
    RunSolution& solution = (*result)[r];
    solution.values.assign(run.cells.size(), std::nullopt);
    solution.uncertain.assign(run.cells.size(), false);
    for (size_t i = 0; i < run.cells.size(); ++i) {
      if (run.cells[i] >= 0 && run.cells[i] < ncells)
        owner[run.cells[i]] = {r, static_cast<int>(i)};
    }
  }
  return owner;
}

// Rules as terms over runs; a rule touching an unknown cell is not used.
std::vector<Rule> RulesOverRuns(const SolverProblem& problem, const std::vector<CellOwner>& owner) {
  const int ncells = static_cast<int>(problem.kinds.size());
  std::vector<Rule> rules;
  for (const LinearRule& lr : problem.rules) {
    Rule rule;
    bool usable = true;
    auto add = [&](int cell, int coef) {
      if (cell < 0 || cell >= ncells) {
        usable = false;
        return;
      }
      if (owner[cell].run >= 0) {
        rule.terms.push_back({owner[cell].run, owner[cell].pos, coef});
        if (std::find(rule.runs.begin(), rule.runs.end(), owner[cell].run) == rule.runs.end()) {
          rule.runs.push_back(owner[cell].run);
        }
      } else if (cell < static_cast<int>(problem.unknown.size()) && problem.unknown[cell]) {
        usable = false;
      } else if (cell < static_cast<int>(problem.known.size())) {
        rule.constant += coef * problem.known[cell].value_or(0);
      }
    };
    for (int cell : lr.lhs) add(cell, 1);
    for (int cell : lr.rhs) add(cell, -1);
    if (usable && !rule.runs.empty()) rules.push_back(std::move(rule));
  }
  return rules;
}

// Each run on its own, with the rules that involve it alone: fills its candidates and marks it
// healthy when it has some; decides at once the runs that are not healthy or that only split
// without their rules.
void SolveEachRun(const SolverProblem& problem, const std::vector<Rule>& rules, int64_t* budget,
                  std::vector<std::vector<Values>>* candidates, std::vector<bool>* healthy,
                  std::vector<RunSolution>* result) {
  const int nruns = static_cast<int>(problem.runs.size());
  std::vector<const Rule*> none;
  for (int r = 0; r < nruns; ++r) {
    RunSolution& solution = (*result)[r];
    std::vector<Values>& found = (*candidates)[r];
    std::vector<const Rule*> local;
    for (const Rule& rule : rules) {
      if (rule.runs.size() == 1 && rule.runs[0] == r) local.push_back(&rule);
    }
    Splitter splitter(problem, problem.runs[r], local, budget);
    if (!splitter.Enumerate(&found)) {
      solution.status = RunSolution::Status::kGaveUp;
      solution.uncertain.assign(problem.runs[r].cells.size(), true);
      found.clear();
      continue;
    }
    if (found.empty() && !local.empty()) {
      solution.rules_dropped = true;
      Splitter free(problem, problem.runs[r], none, budget);
      if (!free.Enumerate(&found)) {
        solution.status = RunSolution::Status::kGaveUp;
        solution.uncertain.assign(problem.runs[r].cells.size(), true);
        found.clear();
        continue;
      }
      Summarize(found, nullptr, &solution);
      continue;
    }
    (*healthy)[r] = !found.empty();
    if (!(*healthy)[r]) Summarize(found, nullptr, &solution);
  }
}

// Decides the runs of one component (its members and the rules joining them) by a joint
// search, or each run without those rules when they cannot all hold.
void SolveComponent(const SolverProblem& problem, const std::vector<int>& members,
                    const std::vector<const Rule*>& member_rules,
                    const std::vector<std::vector<Values>>& candidates, int64_t* budget,
                    std::vector<RunSolution>* result) {
  JointSearch search(members, member_rules, candidates, budget);
  const bool finished = search.Run();
  for (int r : members) {
    RunSolution& solution = (*result)[r];
    if (!finished) {
      solution.status = RunSolution::Status::kGaveUp;
      solution.uncertain.assign(problem.runs[r].cells.size(), true);
      solution.values.assign(problem.runs[r].cells.size(), std::nullopt);
    } else if (search.solved()) {
      Summarize(candidates[r], &search.seen(r), &solution);
    } else {
      // The rules over several runs cannot all hold: decide each run without them.
      solution.rules_dropped = true;
      Summarize(candidates[r], nullptr, &solution);
    }
  }
}

// Components of healthy runs joined by rules over several runs, each decided by
// SolveComponent (a component without such rules by its own candidates).
void SolveJointly(const SolverProblem& problem, const std::vector<Rule>& rules,
                  const std::vector<std::vector<Values>>& candidates,
                  const std::vector<bool>& healthy, int64_t* budget,
                  std::vector<RunSolution>* result) {
  const int nruns = static_cast<int>(problem.runs.size());
  std::vector<const Rule*> joint;
  for (const Rule& rule : rules) {
    if (rule.runs.size() < 2) continue;
    bool ok = true;
    for (int r : rule.runs) ok = ok && healthy[r];
    if (ok) joint.push_back(&rule);
  }
  std::vector<int> parent(nruns);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const Rule* rule : joint) {
    for (int r : rule->runs) parent[find(r)] = find(rule->runs[0]);
  }
  for (int root = 0; root < nruns; ++root) {
    if (!healthy[root] || find(root) != root) continue;
    std::vector<int> members;
    for (int r = 0; r < nruns; ++r) {
      if (healthy[r] && find(r) == root) members.push_back(r);
    }
    std::vector<const Rule*> member_rules;
    for (const Rule* rule : joint) {
      if (find(rule->runs[0]) == root) member_rules.push_back(rule);
    }
    if (member_rules.empty()) {
      Summarize(candidates[root], nullptr, &(*result)[root]);
      continue;
    }
    SolveComponent(problem, members, member_rules, candidates, budget, result);
  }
}

}  // namespace

std::vector<RunSolution> SolveRuns(const SolverProblem& problem) {
  const int nruns = static_cast<int>(problem.runs.size());
  std::vector<RunSolution> result(nruns);
  const std::vector<CellOwner> owner = InitResults(problem, &result);
  const std::vector<Rule> rules = RulesOverRuns(problem, owner);
  int64_t budget = problem.budget;
  std::vector<std::vector<Values>> candidates(nruns);
  std::vector<bool> healthy(nruns, false);
  SolveEachRun(problem, rules, &budget, &candidates, &healthy, &result);
  SolveJointly(problem, rules, candidates, healthy, &budget, &result);
  return result;
}

}  // namespace gongkai::importer
