// Preloaded into the simulation run under valgrind, on x86-64 CPUs whose
// CPUID does not report RDTSCP (seen on virtual machines: the instruction
// runs, the flag is hidden). valgrind 3.19 decodes only the instructions
// the CPU reports, and Highway's library executes RDTSCP while it is
// loaded, so the run would die of SIGILL before main. This library's
// SIGILL handler completes such an RDTSCP (time stamp from RDTSC, processor
// id 0) and lets any other illegal instruction fail as before. It is
// initialised before every other library (-z initfirst) and is never
// loaded outside the simulation.
#if defined(__x86_64__)
#include <signal.h>
#include <ucontext.h>

#include <cstdint>

namespace {

void complete_rdtscp(int signo, siginfo_t*, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  greg_t* regs = uc->uc_mcontext.gregs;
  const auto* ip = reinterpret_cast<const unsigned char*>(regs[REG_RIP]);
  if (ip[0] == 0x0f && ip[1] == 0x01 && ip[2] == 0xf9) {
    std::uint32_t low, high;
    asm volatile("rdtsc" : "=a"(low), "=d"(high));
    regs[REG_RAX] = low;
    regs[REG_RDX] = high;
    regs[REG_RCX] = 0;
    regs[REG_RIP] += 3;
    return;
  }
  signal(signo, SIG_DFL);  // returning re-executes it: the default action
}

__attribute__((constructor)) void install() {
  struct sigaction sa {};
  sa.sa_sigaction = complete_rdtscp;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGILL, &sa, nullptr);
}

}  // namespace
#endif  // __x86_64__
