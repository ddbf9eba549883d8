#pragma once
/// @file
/// Everything of the C++ API in one include.

#include "ecgdig/error.hpp"
#include "ecgdig/grid_detector.hpp"
#include "ecgdig/image_io.hpp"
#include "ecgdig/io.hpp"
#include "ecgdig/lead_layout.hpp"
#include "ecgdig/metrics.hpp"
#include "ecgdig/overlay.hpp"
#include "ecgdig/pipeline.hpp"
#include "ecgdig/preprocessor.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/segmenter.hpp"
#include "ecgdig/signal_extractor.hpp"
#include "ecgdig/stage_options.hpp"
#include "ecgdig/types.hpp"
#include "ecgdig/version.hpp"
