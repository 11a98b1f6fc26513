// faultline SDK, for C++: assertions, lifecycle signals, guided randomness and operation histories.
// See docs/sdk.md for a tour; each header documents its declarations.
#ifndef FAULTLINE_FAULTLINE_H_
#define FAULTLINE_FAULTLINE_H_

#include "faultline/assert.h"
#include "faultline/history.h"
#include "faultline/json.h"
#include "faultline/lifecycle.h"
#include "faultline/random.h"
#include "faultline/version.h"

#endif  // FAULTLINE_FAULTLINE_H_
