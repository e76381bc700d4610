#include "worker/training/augmentation.h"

#include "absl/strings/str_cat.h"

namespace nas {
namespace {

// SplitMix64's finaliser: nearby (seed, step) pairs give unrelated seeds.
uint64_t Mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// `n` integers uniform in [0, bound) drawn from `gen`, moved to `device`.
torch::Tensor Draw(int64_t n, int64_t bound, torch::Generator& gen, const torch::Device& device) {
  return torch::randint(bound, {n}, gen, torch::kInt64).to(device);
}

// Each example's window of `images`' size at its own offset of the padded
// images: two gathers, rows then columns.
torch::Tensor RandomCrop(const torch::Tensor& images, int64_t padding, torch::Generator& gen) {
  const int64_t b = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  const auto device = images.device();
  const torch::Tensor padded =
      torch::constant_pad_nd(images, {padding, padding, padding, padding}, 0);
  const torch::Tensor dy = Draw(b, 2 * padding + 1, gen, device);
  const torch::Tensor dx = Draw(b, 2 * padding + 1, gen, device);
  const auto index = torch::TensorOptions().dtype(torch::kInt64).device(device);
  const torch::Tensor rows = (dy.view({b, 1}) + torch::arange(h, index)).view({b, 1, h, 1});
  const torch::Tensor cols = (dx.view({b, 1}) + torch::arange(w, index)).view({b, 1, 1, w});
  const torch::Tensor cropped_rows = padded.gather(2, rows.expand({b, c, h, w + 2 * padding}));
  return cropped_rows.gather(3, cols.expand({b, c, h, w}));
}

torch::Tensor RandomFlip(const torch::Tensor& images, torch::Generator& gen) {
  const torch::Tensor flip = Draw(images.size(0), 2, gen, images.device()).eq(1);
  return torch::where(flip.view({-1, 1, 1, 1}), images.flip({3}), images);
}

// 1 outside [centre - length/2, centre + length/2) clipped to [0, size), 0
// inside: [B, size] per example.
torch::Tensor Outside(const torch::Tensor& centre, int64_t length, int64_t size) {
  const torch::Tensor at = torch::arange(size, centre.options()).view({1, size});
  const torch::Tensor c = centre.view({-1, 1});
  return at.lt(c - length / 2).logical_or(at.ge(c + length / 2));
}

torch::Tensor Cutout(const torch::Tensor& images, int64_t length, torch::Generator& gen) {
  const int64_t b = images.size(0), h = images.size(2), w = images.size(3);
  const torch::Tensor y = Draw(b, h, gen, images.device());
  const torch::Tensor x = Draw(b, w, gen, images.device());
  const torch::Tensor keep =
      Outside(y, length, h).view({b, 1, h, 1}).logical_or(Outside(x, length, w).view({b, 1, 1, w}));
  return images * keep.to(images.scalar_type());
}

}  // namespace

absl::Status ValidateAugmentation(const Augmentation& a) {
  for (const auto& [field, value] : {std::pair<const char*, int>{"crop_padding", a.crop_padding},
                                     {"cutout_length", a.cutout_length}}) {
    if (value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset.augmentation.", field, ": ", value, " must be >= 0"));
    }
  }
  return absl::OkStatus();
}

Augmentation ResolveAugmentation(const v1::Augmentation& spec, torch::IntArrayRef image_sizes) {
  Augmentation a;
  switch (spec.mode()) {
    case v1::Augmentation::AUGMENTATION_ON:
      a.crop_padding = spec.crop_padding();
      a.horizontal_flip = spec.horizontal_flip();
      a.cutout_length = spec.cutout_length();
      break;
    case v1::Augmentation::AUGMENTATION_DEFAULT:
      if (image_sizes.size() == 3 && image_sizes[0] == 3 && image_sizes[1] == 32 &&
          image_sizes[2] == 32) {
        a.crop_padding = kPaperCropPadding;
        a.horizontal_flip = true;
      }
      break;
    default:  // OFF.
      break;
  }
  return a;
}

uint64_t AugmentationSeed(uint64_t seed, int64_t step, uint64_t stream) {
  return Mix(Mix(Mix(seed) + static_cast<uint64_t>(step)) + stream);
}

torch::Tensor AugmentBatch(const torch::Tensor& images, const Augmentation& a, uint64_t seed) {
  TORCH_CHECK(images.dim() == 4, "AugmentBatch: images must be [B, C, H, W], got ", images.sizes());
  torch::NoGradGuard no_grad;
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(seed);
  torch::Tensor out = images;
  if (a.crop_padding > 0) out = RandomCrop(out, a.crop_padding, gen);
  if (a.horizontal_flip) out = RandomFlip(out, gen);
  if (a.cutout_length > 0) out = Cutout(out, a.cutout_length, gen);
  return out.is_same(images) ? images.clone() : out;
}

TrainingLoopOptions::Augment AugmentTrainingBatches(const Augmentation& a, uint64_t seed,
                                                    uint64_t stream) {
  if (!a.enabled()) return nullptr;
  return [a, seed, stream](const StepContext& at, const torch::Tensor& images) {
    return AugmentBatch(images, a, AugmentationSeed(seed, at.step, stream));
  };
}

}  // namespace nas
