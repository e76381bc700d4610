#include "worker/data/formats/image_decoding.h"

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace nas {
namespace {

bool StartsWith(const std::string& bytes, const char* signature, size_t n) {
  return bytes.size() >= n && std::memcmp(bytes.data(), signature, n) == 0;
}

absl::StatusOr<DecodedImage> DecodePng(const std::string& bytes, const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a readable PNG image: ", image.message));
  }
  DecodedImage out;
  const bool color = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  image.format = color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  out.height = static_cast<int>(image.height);
  out.width = static_cast<int>(image.width);
  out.channels = color ? 3 : 1;
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  const png_color black = {0, 0, 0};
  if (!png_image_finish_read(&image, &black, out.pixels.data(), /*row_stride=*/0,
                             /*colormap=*/nullptr)) {
    const std::string message = image.message;
    png_image_free(&image);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": truncated or corrupt PNG image: ", message));
  }
  return out;
}

// libjpeg reports errors through callbacks: the error jumps back out of the
// decoder; warnings (e.g. a file cut short, which it would fill with grey)
// are kept and turned into an error.
struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = "";
};

void JpegFail(j_common_ptr info) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  (*info->err->format_message)(info, errors->message);
  std::longjmp(errors->jump, 1);
}

void JpegKeepMessage(j_common_ptr info) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  if (errors->message[0] == '\0') (*info->err->format_message)(info, errors->message);
}

absl::StatusOr<DecodedImage> DecodeJpeg(const std::string& bytes, const std::string& path) {
  jpeg_decompress_struct info;
  JpegErrors errors;
  info.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = JpegFail;
  errors.manager.output_message = JpegKeepMessage;
  DecodedImage out;
  if (setjmp(errors.jump) != 0) {
    jpeg_destroy_decompress(&info);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": truncated or corrupt JPEG image: ", errors.message));
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  jpeg_read_header(&info, TRUE);
  info.out_color_space = info.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&info);
  out.height = static_cast<int>(info.output_height);
  out.width = static_cast<int>(info.output_width);
  out.channels = info.output_components;
  const size_t row = static_cast<size_t>(out.width) * out.channels;
  out.pixels.resize(row * out.height);
  while (info.output_scanline < info.output_height) {
    unsigned char* rows[1] = {out.pixels.data() + row * info.output_scanline};
    jpeg_read_scanlines(&info, rows, 1);
  }
  jpeg_finish_decompress(&info);
  const bool warned = errors.manager.num_warnings > 0;
  jpeg_destroy_decompress(&info);
  if (warned) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": truncated or corrupt JPEG image: ", errors.message));
  }
  return out;
}

}  // namespace

absl::StatusOr<DecodedImage> DecodeImage(const std::string& bytes, const std::string& path) {
  if (StartsWith(bytes, "\x89PNG\r\n\x1a\n", 8)) return DecodePng(bytes, path);
  if (StartsWith(bytes, "\xff\xd8\xff", 3)) return DecodeJpeg(bytes, path);
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": not a PNG or JPEG image (by its first bytes)"));
}

}  // namespace nas
