// Built instead of unet_trainer.cpp when the library has no LibTorch.
#define ECGDIG_EXPERIMENTAL
#include "ecgdig/experimental/train.hpp"

#include "ecgdig/error.hpp"

namespace ecgdig {
inline namespace v1 {
namespace experimental {

namespace {
constexpr const char *kNoTorch =
    "this ecgdig was built without LibTorch: reconfigure with -DECGDIG_WITH_TORCH=ON to train or read U-Net weights";
}  // namespace

TrainReport train_unet(const TrainOptions &, const std::function<void(const TrainProgress &)> &) {
  throw Error(ErrorCode::Unsupported, kNoTorch);
}

UnetWeightsInfo read_unet_weights(const std::filesystem::path &) { throw Error(ErrorCode::Unsupported, kNoTorch); }

ValidationIou validate_unet_weights(const std::filesystem::path &, const TrainOptions &) {
  throw Error(ErrorCode::Unsupported, kNoTorch);
}

std::int64_t import_unet_state(const std::filesystem::path &, const std::filesystem::path &, int) {
  throw Error(ErrorCode::Unsupported, kNoTorch);
}

}  // namespace experimental
}  // namespace v1
}  // namespace ecgdig
