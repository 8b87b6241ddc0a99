#include "botflow/flows/module.hpp"

#include "flows/engine.hpp"
#include "flows/metrics.hpp"
#include "flows/registration.hpp"

namespace botflow::flows {

void register_module(Module& mod) {
    auto engine = std::make_shared<Engine>(mod);
    using conversations::Slot;
    using conversations::Turn;
    mod.turns.add(
        {"flow_run", Slot::flow_run, [engine](const Turn& t) { return engine->answer(t); }});
    mod.turns.add({"flow_trigger", Slot::flow_trigger,
                   [engine](const Turn& t) { return engine->trigger(t); }});
    // Not serial with the turns: a timeout due tomorrow must not hold today's answers back.
    // The run's row lock orders a resume and a turn of the same conversation.
    jobs::KindOptions options{.lane = conversations::kTurnLane};
    mod.jobs.add(
        kResumeKind, [engine](const jobs::Job& job) { return engine->resume(job); }, options);
    mod.metrics.add_source([] { return flow_metrics().render(); });
    register_flow_routes(mod, engine);
    register_run_routes(mod, engine);
}

}  // namespace botflow::flows
