// One step of the event-driven input sum of wbmodel's sparse networks (see events.py).
//
// For each of B networks (leading axis):
//   S_i(t + dt) = e * S_i(t) + sum over active presynaptic j of d_j,
// where d_j = s_j(t + dt) - e * s_j(t) is non-zero only for active cells; each active j adds
// d_j to its outgoing targets post[indptr[j] .. indptr[j + 1]). When `resum` is set, or the
// active cells' edges exceed a quarter of the exact sum's N*K loads, S is summed exactly
// from s(t + dt) instead (an entry of `pre` equal to N is padding).
//
// Built by wbmodel.events with the system C++ compiler against jaxlib's XLA FFI headers.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

// One network: S, d, s_new, out of length N; pre (N, K); indptr (N + 1); post (E).
static void EventSumOne(const float* Sb, const float* db, const float* sb, float eb,
                        bool exact_always, const int32_t* preb, const int32_t* ip,
                        const int32_t* pb, float* ob, int64_t N, int64_t K) {
  const int64_t edges = ip[N];  // the real edges (rows may be padded to K)
  int64_t work = 0;
  for (int64_t j = 0; j < N; ++j) {
    if (db[j] != 0.0f) work += ip[j + 1] - ip[j];
  }
  const bool exact = exact_always || 4 * work > edges;
  if (exact && N * K <= 2 * edges) {
    // The exact sum over the incoming lists, with a zero appended to s for the padding
    // index N: a branch-free (vectorisable) gather.
    thread_local std::vector<float> padded;
    padded.assign(sb, sb + N);
    padded.push_back(0.0f);
    const float* sp = padded.data();
    for (int64_t i = 0; i < N; ++i) {
      const int32_t* row = preb + i * K;
      float acc = 0.0f;
      for (int64_t k = 0; k < K; ++k) acc += sp[row[k]];
      ob[i] = acc;
    }
  } else if (exact) {
    // Rows mostly padding (a narrow network in a batch padded to a wider one): the exact
    // sum over the outgoing lists instead, which touches the real edges only.
    for (int64_t i = 0; i < N; ++i) ob[i] = 0.0f;
    for (int64_t j = 0; j < N; ++j) {
      const float sj = sb[j];
      for (int32_t k = ip[j]; k < ip[j + 1]; ++k) ob[pb[k]] += sj;
    }
  } else {
    for (int64_t i = 0; i < N; ++i) ob[i] = eb * Sb[i];
    for (int64_t j = 0; j < N; ++j) {
      const float dj = db[j];
      if (dj != 0.0f) {
        for (int32_t k = ip[j]; k < ip[j + 1]; ++k) ob[pb[k]] += dj;
      }
    }
  }
}

static ffi::Error EventSumImpl(ffi::ThreadPool pool, ffi::Buffer<ffi::F32> S,
                               ffi::Buffer<ffi::F32> d, ffi::Buffer<ffi::F32> s_new,
                               ffi::Buffer<ffi::F32> e, ffi::Buffer<ffi::S32> resum,
                               ffi::Buffer<ffi::S32> pre, ffi::Buffer<ffi::S32> indptr,
                               ffi::Buffer<ffi::S32> post, ffi::ResultBuffer<ffi::F32> out) {
  auto sd = S.dimensions();
  auto pd = pre.dimensions();
  if (sd.size() != 2 || pd.size() != 3 || pd[0] != sd[0] || pd[1] != sd[1]) {
    return ffi::Error::InvalidArgument("event_sum: S must be (B, N) and pre (B, N, K)");
  }
  const int64_t B = sd[0], N = sd[1], K = pd[2];
  const int64_t E = post.dimensions()[1];
  const bool exact_always = resum.typed_data()[0] != 0;
  auto one = [&](int64_t b) {
    EventSumOne(S.typed_data() + b * N, d.typed_data() + b * N, s_new.typed_data() + b * N,
                e.typed_data()[b], exact_always, pre.typed_data() + b * N * K,
                indptr.typed_data() + b * (N + 1), post.typed_data() + b * E,
                out->typed_data() + b * N, N, K);
  };
  // The networks of a batch are independent: XLA's intra-op threads and this one take them
  // from a shared counter. This thread never waits for a task to start (the pool's threads
  // may be busy, e.g. running the same kernel for another device): it runs every network
  // that no one has taken, then waits only for those already being run. A task that starts
  // after the last one is taken finds nothing to do (the shared state outlives this call).
  const int64_t T = std::min<int64_t>(B, std::max<int64_t>(1, pool.num_threads()));
  if (T <= 1) {
    for (int64_t b = 0; b < B; ++b) one(b);
    return ffi::Error::Success();
  }
  struct Shared {
    std::atomic<int64_t> next{0}, done{0};
    int64_t total = 0;
    std::function<void(int64_t)> run;
  };
  auto shared = std::make_shared<Shared>();
  shared->total = B;
  shared->run = one;
  auto work = [shared] {
    for (int64_t b; (b = shared->next.fetch_add(1)) < shared->total;) {
      shared->run(b);
      shared->done.fetch_add(1, std::memory_order_release);
    }
  };
  for (int64_t t = 1; t < T; ++t) {
    auto task = work;  // Schedule takes its task by value (moved)
    pool.Schedule(std::move(task));
  }
  work();
  while (shared->done.load(std::memory_order_acquire) < B) std::this_thread::yield();
  return ffi::Error::Success();
}

XLA_FFI_DEFINE_HANDLER_SYMBOL(WbEventSum, EventSumImpl,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::ThreadPool>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Ret<ffi::Buffer<ffi::F32>>());
