#include "common/error.h"

namespace nf {

void throw_errno(const std::string& what) { throw SystemError(errno, what); }
void throw_errno(int err, const std::string& what) { throw SystemError(err, what); }

}  // namespace nf
