#include "api/server/demo_seed.h"

#include <array>
#include <chrono>
#include <deque>
#include <future>
#include <utility>

#include "api/http/token_codec.h"
#include "storage/await.h"

namespace redress::api {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr const char* kWorkflow = "complaint";

struct DemoPerson {
  const char* id;
  const char* display_name;
  Role role;
};

// Two agents and one person for each rung above them, plus an admin.
const std::vector<DemoPerson> kPeople = {
    {"agent.li", "Li Na 李娜", Role::kAgent},
    {"agent.wang", "Wang Fang 王芳", Role::kAgent},
    {"lead.zhang", "Zhang Wei 张伟", Role::kTeamLead},
    {"sup.chen", "Chen Jing 陈静", Role::kSupervisor},
    {"mgr.zhou", "Zhou Qiang 周强", Role::kManager},
    {"admin.liu", "Liu Yang 刘洋", Role::kAdmin},
};

const Actor kLi{"agent.li", Role::kAgent, kDemoTeam};
const Actor kWang{"agent.wang", Role::kAgent, kDemoTeam};
const Actor kZhang{"lead.zhang", Role::kTeamLead, kDemoTeam};  // works the team queue
const Actor kOrderSystem{"", Role::kIntegration, ""};          // id: the integration token's

// How far along the workflow a seeded case goes; each step includes the ones before it.
enum class Progress {
  kOpened,          // confirming
  kWaitingForInfo,  // awaiting_customer_info
  kConfirmed,       // analysing
  kAnalysed,        // negotiating
  kOffered,         // awaiting_customer_decision
  kAccepted,        // resolving
  kResolved,        // following_up
  kClosed,          // closed
};

struct CaseSpec {
  const char* summary;
  const char* category;
  const char* severity;
  const Actor* agent;  // nullptr: opened by the order system into the team queue
  minutes age;         // opened this long before now
  Progress progress;
  // Extras on the way: a proposal (minor units of CNY) after the analysis, and an escalation.
  std::int64_t proposal = 0;
  bool escalate = false;
};

// A dozen complaints as a Chinese shop's after-sales desk sees them, in both languages.
const std::vector<CaseSpec> kCases = {
    {"收到的运动鞋颜色不对：订的黑色，发来白色 (ordered black trainers, received white ones)",
     "wrong_item", "normal", &kLi, minutes(25), Progress::kOpened},
    {"快递外箱破损，电饭煲内胆凹陷 (parcel box crushed, the rice cooker's inner pot is dented)",
     "damaged", "high", &kWang, hours(3), Progress::kConfirmed},
    {"下单五天仍未发货，客户要求说明 (not shipped five days after ordering; the customer wants "
     "an explanation)",
     "late_delivery", "low", nullptr, minutes(10), Progress::kOpened},
    {"退款被拒：客户称退回的耳机完好无损 (refund refused; the customer says the returned "
     "earphones were undamaged)",
     "refund_dispute", "high", &kLi, hours(6), Progress::kAnalysed, 12000},
    {"客户在评价中给了一星并晒图，称客服态度差 (one-star review with photos, complaining of a rude "
     "service agent)",
     "bad_review", "high", &kWang, hours(2), Progress::kConfirmed, 0, true},
    {"羽绒服袖口开线 (the down jacket's cuff seam is split)", "quality", "normal", &kLi, hours(26),
     Progress::kOffered, 3000},
    {"玻璃花瓶到货碎裂 (the glass vase arrived broken)", "damaged", "normal", &kWang, hours(30),
     Progress::kAccepted},
    {"生鲜包裹晚到两天，部分水果变质 (fresh-food parcel two days late, some fruit spoiled)",
     "late_delivery", "low", &kLi, hours(50), Progress::kResolved},
    {"发错尺码：订的 L 码收到 M 码 (wrong size: ordered L, received M)", "wrong_item", "normal",
     &kWang, hours(80), Progress::kClosed},
    {"套装少发一件配件 (one accessory missing from the set)", "missing_item", "normal", nullptr,
     hours(49), Progress::kOpened},
    {"客户对部分退款金额有异议 (the customer disputes the partial refund amount)", "refund_dispute",
     "high", nullptr, hours(4), Progress::kWaitingForInfo},
    {"客户投诉电话客服挂断电话 (the customer says the phone agent hung up on them)",
     "service_attitude", "critical", &kLi, minutes(5), Progress::kOpened},
};

// Runs one case's commands on the store, each at its own time.
class CaseSeeder {
 public:
  CaseSeeder(storage::CaseStore& store, std::string label)
      : store_(store), label_(std::move(label)) {}

  Status run(const Actor& actor, Instant at, CommandBody body) {
    auto outcome = store_.execute({case_id_, Command{std::move(body), std::nullopt}, actor, at});
    if (!outcome.ok()) return outcome.error();
    if (!outcome.value().accepted()) {
      return Error(ErrorCode::kInternal, "the engine refused a demo command on '" + label_ +
                                             "': " + outcome.value().rejection->message);
    }
    snapshot_ = outcome.value().snapshot;
    case_id_ = snapshot_.id;
    return Status::Ok();
  }

  const CaseSnapshot& snapshot() const { return snapshot_; }

 private:
  storage::CaseStore& store_;
  std::string label_;
  std::string case_id_;
  CaseSnapshot snapshot_;
};

Result<DemoCredential> add_credential(storage::DirectoryStore& directory, const DemoPerson* person,
                                      Instant now) {
  DemoCredential credential;
  credential.role = person ? person->role : Role::kIntegration;
  if (person) {
    credential.user_id = person->id;
    credential.display_name = person->display_name;
    storage::User user;
    user.id = person->id;
    user.display_name = person->display_name;
    user.role = person->role;
    user.team_id = person->role == Role::kAdmin ? "" : kDemoTeam;
    user.created_at = now;
    auto created = storage::await_result<storage::User>(
        [&](auto done) { directory.create_user(std::move(user), std::move(done)); });
    if (!created.ok()) return created.error();
  } else {
    credential.display_name = "Order system (demo integration)";
  }
  const auto secret = generate_token();
  storage::NewToken token{secret.id, secret.hash, credential.user_id, credential.role,
                          person ? "demo" : "demo: order system", std::nullopt,
                          // The order system opens complaints and keeps orders and customers.
                          person ? ""
                                 : "cases:read cases:write customers:read customers:write "
                                   "orders:read orders:write"};
  auto stored = storage::await_result<storage::ApiToken>(
      [&](auto done) { directory.create_token(std::move(token), now, std::move(done)); });
  if (!stored.ok()) return stored.error();
  credential.token_id = secret.id;
  credential.token = secret.token;
  return credential;
}

// Walks one case as far as its spec says, from `opened` on, a step every `step`.
Result<DemoCase> seed_case(storage::CaseStore& store, const CaseSpec& spec, size_t index,
                           const Actor& order_system, Instant opened) {
  CaseSeeder seeder(store, spec.summary);
  const Actor& worker = spec.agent ? *spec.agent : kZhang;
  // Steps fit inside the case's age: the last one is still in the past.
  const auto step = std::chrono::duration_cast<Millis>(spec.age) / 8;
  Instant at = opened;
  const auto next = [&] { return at += step; };

  CreateCase create;
  create.workflow_id = kWorkflow;
  create.severity = spec.severity;
  create.customer = {"cust-" + std::to_string(1001 + index), index % 3 == 0 ? "vip" : "regular",
                     index % 2 == 0 ? "gold" : "silver"};
  create.order = {"TB-20261120-" + std::to_string(101 + index),
                  Money{static_cast<std::int64_t>(9900 + 4000 * index), "CNY"}, Money{0, "CNY"}};
  create.team = kDemoTeam;
  create.assignee = spec.agent ? spec.agent->id : "";
  create.fields = {{"summary", spec.summary}, {"category", spec.category}};
  if (auto s = seeder.run(spec.agent ? *spec.agent : order_system, at, create); !s.ok()) {
    return s.error();
  }
  const auto reached = [&](Progress p) { return spec.progress >= p; };

  Status status = Status::Ok();
  const auto then = [&](const Actor& actor, CommandBody body) {
    if (status.ok()) status = seeder.run(actor, next(), std::move(body));
  };
  if (spec.progress == Progress::kWaitingForInfo) {
    then(worker, FireTransition{"request_customer_info",
                                {{"waiting_reason",
                                  "请提供退款页面截图 (a screenshot of the refund "
                                  "page, please)"}}});
  }
  if (reached(Progress::kConfirmed)) {
    then(worker, RecordReply{"您好，非常抱歉给您带来不便，我们马上为您核实。(We are sorry for the "
                             "trouble and are looking into it now.)"});
    then(worker, FireTransition{
                     "confirm_problem",
                     {{"desired_outcome", "refund or replacement"}, {"customer_confirmed", true}}});
  }
  if (spec.escalate) {
    then(worker, EscalateCase{"public one-star review with photos; the customer threatens to post "
                              "on Weibo",
                              "supervisor"});
  }
  if (reached(Progress::kAnalysed)) {
    then(worker, FireTransition{"complete_analysis",
                                {{"cause", "packing and quality check missed at the warehouse"},
                                 {"fault_party", "shop"}}});
  }
  if (spec.proposal > 0) {
    then(worker, ProposeCompensation{"partial_refund", Money{spec.proposal, "CNY"},
                                     "goodwill for the trouble"});
  }
  if (reached(Progress::kOffered)) {
    then(worker,
         FireTransition{"offer_remedy", {{"remedy_summary", "partial refund, keep the item"}}});
  }
  if (reached(Progress::kAccepted)) {
    then(order_system, FireTransition{"customer_accepts", {}});
  }
  if (reached(Progress::kResolved)) {
    then(worker,
         FireTransition{"confirm_resolved",
                        {{"resolution_note", "replacement shipped, tracking SF1234567890"}}});
  }
  if (reached(Progress::kClosed)) {
    // A follow-up attempt that reached the customer, satisfied (the policy closes the case).
    then(worker, RecordFollowUp{"chat", "reached", 5, "客户表示满意。(The customer is happy.)"});
  }
  if (!status.ok()) return status.error();
  const auto& snapshot = seeder.snapshot();
  return DemoCase{snapshot.id, snapshot.state, snapshot.assignee, spec.summary};
}

// The generated queue's complaints: what they are about, in both languages, and their category.
struct GeneratedKind {
  const char* summary;
  const char* category;
};
const std::array<GeneratedKind, 6> kGeneratedKinds = {{
    {"快递延误，包裹停在中转站 (parcel stuck at a transit hub)", "late_delivery"},
    {"商品有划痕 (the item arrived scratched)", "damaged"},
    {"发错颜色 (wrong colour sent)", "wrong_item"},
    {"少发配件 (an accessory is missing)", "missing_item"},
    {"使用一周后故障 (stopped working after a week)", "quality"},
    {"退款金额有误 (the refund amount is wrong)", "refund_dispute"},
}};
const std::array<const char*, 3> kGeneratedSeverities = {"low", "normal", "high"};
const std::array<const char*, 6> kSegments = {"new",       "regular", "vip",
                                              "champions", "at_risk", "lost"};

// Commands in flight at once: enough for the writer to fill its group-commit batches.
constexpr size_t kGeneratedInFlight = 1024;

// Opens `count` complaints, many at a time, each through the engine's CreateCase.
Status seed_generated(storage::CaseStore& store, const Actor& order_system, Instant now,
                      size_t count, DemoSeedReport& report) {
  std::deque<std::future<Result<storage::CommandOutcome>>> in_flight;
  Status status = Status::Ok();
  const auto settle_oldest = [&] {
    auto outcome = in_flight.front().get();
    in_flight.pop_front();
    if (!status.ok()) return;
    if (!outcome.ok()) {
      status = outcome.error();
    } else if (!outcome.value().accepted()) {
      status = Error(ErrorCode::kInternal, "the engine refused a generated demo case: " +
                                               outcome.value().rejection->message);
    } else {
      const auto& id = outcome.value().snapshot.id;
      if (report.first_generated.empty()) report.first_generated = id;
      report.last_generated = id;
      ++report.generated;
    }
  };
  for (size_t i = 0; i < count && status.ok(); ++i) {
    // Holder, severity and kind vary independently (i in base 3, 3, 6), so every filter
    // combination has cases.
    const auto& kind = kGeneratedKinds[(i / 9) % kGeneratedKinds.size()];
    // A third each for agent.li, agent.wang and the team queue (opened by the order system).
    const Actor* holder = i % 3 == 0 ? &kLi : i % 3 == 1 ? &kWang : nullptr;
    CreateCase create;
    create.workflow_id = kWorkflow;
    create.severity = kGeneratedSeverities[(i / 3) % kGeneratedSeverities.size()];
    create.customer = {"cust-g" + std::to_string(i % 5000), kSegments[i % kSegments.size()],
                       i % 2 == 0 ? "gold" : "silver"};
    create.order = {"TB-G-" + std::to_string(100000 + i),
                    Money{static_cast<std::int64_t>(4900 + 100 * (i % 500)), "CNY"},
                    Money{0, "CNY"}};
    create.team = kDemoTeam;
    create.assignee = holder ? holder->id : "";
    create.fields = {{"summary", "#" + std::to_string(i + 1) + " " + kind.summary},
                     {"category", kind.category}};
    // Opened within the last 20 minutes: varied countdowns, none near a warning.
    const Instant opened = now - std::chrono::seconds(static_cast<std::int64_t>((i * 7919) % 1200));
    in_flight.push_back(store.submit(
        {"", Command{std::move(create), std::nullopt}, holder ? *holder : order_system, opened}));
    if (in_flight.size() >= kGeneratedInFlight) settle_oldest();
  }
  while (!in_flight.empty()) settle_oldest();
  return status;
}

}  // namespace

Result<DemoSeedReport> seed_demo(storage::CaseStore& store, storage::DirectoryStore& directory,
                                 Instant now, size_t generated_cases) {
  if (generated_cases > kMaxGeneratedDemoCases) {
    return Error::invalid_argument("at most " + std::to_string(kMaxGeneratedDemoCases) +
                                   " generated cases, asked for " +
                                   std::to_string(generated_cases));
  }
  auto cases = store.count_cases();
  if (!cases.ok()) return cases.error();
  if (cases.value() > 0) {
    return Error::invalid_state("the database already holds " + std::to_string(cases.value()) +
                                " cases; demo data is only seeded into a database without cases");
  }
  if (!store.engine().catalog().latest(kWorkflow)) {
    return Error(ErrorCode::kUnknownWorkflow,
                 std::string("the demo cases need the '") + kWorkflow +
                     "' workflow; point --workflows at the shipped definitions");
  }

  storage::Team team{kDemoTeam, "After-sales 售后一组", now, ""};
  auto created_team = storage::await_result<storage::Team>(
      [&](auto done) { directory.create_team(std::move(team), std::move(done)); });
  if (!created_team.ok()) return created_team.error();

  DemoSeedReport report;
  for (const auto& person : kPeople) {
    auto credential = add_credential(directory, &person, now);
    if (!credential.ok()) return credential.error();
    report.credentials.push_back(std::move(credential).value());
  }
  auto integration = add_credential(directory, nullptr, now);
  if (!integration.ok()) return integration.error();
  Actor order_system = kOrderSystem;
  order_system.id = integration.value().token_id;  // as the token would act on the API
  report.credentials.push_back(std::move(integration).value());

  for (size_t i = 0; i < kCases.size(); ++i) {
    auto seeded = seed_case(store, kCases[i], i, order_system, now - kCases[i].age);
    if (!seeded.ok()) return seeded.error();
    report.cases.push_back(std::move(seeded).value());
  }
  if (auto generated = seed_generated(store, order_system, now, generated_cases, report);
      !generated.ok()) {
    return generated.error();
  }
  return report;
}

}  // namespace redress::api
