// Parser of WFDB header (.hea) files, after the WFDB header(5) specification:
//   record line:  name[/segments] nsig [fs[/counterfreq[(basecount)]] [nsamp [time [date]]]]
//   signal lines: file format[xspf][:skew][+offset] [gain[(baseline)][/units]
//                 [adcres [adczero [initval [checksum [blocksize [description]]]]]]]
//   comments:     lines starting with '#'
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "io/io_internal.hpp"
#include "io/wfdb_internal.hpp"

namespace ecgdig {
inline namespace v1 {
namespace io_detail {
namespace {

constexpr long long kMaxSignals = 1000;

struct Token {
  std::string_view text;
  std::size_t end;  // offset just past the token in its line
};

std::vector<Token> tokenize(std::string_view line, std::size_t max_tokens) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (tokens.size() < max_tokens) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    tokens.push_back({line.substr(start, i - start), i});
  }
  return tokens;
}

class HeaderParser {
 public:
  HeaderParser(const std::filesystem::path &path) : path_(path) {}

  [[noreturn]] void bad(std::size_t line_no, const std::string &what) const {
    fail(ErrorCode::Format, path_, fmt::format("malformed WFDB header, line {}: {}", line_no, what));
  }

  long long integer(std::size_t line_no, std::string_view token, const char *field) const {
    long long v = 0;
    if (!parse_int(token, v)) bad(line_no, fmt::format("{} '{}' is not an integer", field, token));
    return v;
  }

  double number(std::size_t line_no, std::string_view token, const char *field) const {
    double v = 0;
    if (!parse_double(token, v) || !std::isfinite(v))
      bad(line_no, fmt::format("{} '{}' is not a finite number", field, token));
    return v;
  }

  long long record_line(std::size_t no, std::string_view line, WfdbHeader &h) const {
    const auto t = tokenize(line, 4);
    if (t.size() < 2) bad(no, "the record line needs at least a record name and a number of signals");
    const std::string_view name = t[0].text;
    if (name.find('/') != std::string_view::npos)
      fail(ErrorCode::Unsupported, path_,
           fmt::format("multi-segment WFDB records ('{}') are not supported", name));
    h.record_name = std::string(name);
    const long long nsig = integer(no, t[1].text, "number of signals");
    if (nsig < 1 || nsig > kMaxSignals)
      bad(no, fmt::format("number of signals {} is outside 1..{}", nsig, kMaxSignals));
    if (t.size() >= 3) {
      // fs[/counterfreq[(basecount)]]
      std::string_view f = t[2].text;
      const std::size_t cut = f.find_first_of("/(");
      const double fs = number(no, f.substr(0, cut), "sampling frequency");
      if (!(fs > 0)) bad(no, fmt::format("sampling frequency {} is not positive", fs));
      h.fs_hz = fs;
      if (cut != std::string_view::npos) {
        std::string_view rest = f.substr(cut);
        if (rest.front() == '/') {
          rest.remove_prefix(1);
          const std::size_t paren = rest.find('(');
          number(no, rest.substr(0, paren), "counter frequency");
          rest = paren == std::string_view::npos ? std::string_view() : rest.substr(paren);
        }
        if (!rest.empty()) {
          if (rest.front() != '(' || rest.back() != ')')
            bad(no, fmt::format("cannot read the frequency field '{}'", f));
          number(no, rest.substr(1, rest.size() - 2), "base counter value");
        }
      }
    }
    if (t.size() >= 4) {
      const long long n = integer(no, t[3].text, "number of samples");
      if (n < 0) bad(no, fmt::format("number of samples {} is negative", n));
      if (n > 0) h.num_samples = n;
    }
    return nsig;
  }

  void format_field(std::size_t no, std::string_view f, WfdbSignal &s) const {
    std::size_t i = 0;
    while (i < f.size() && f[i] >= '0' && f[i] <= '9') ++i;
    if (i == 0) bad(no, fmt::format("format '{}' is not a number", f));
    const long long format = integer(no, f.substr(0, i), "format");
    while (i < f.size()) {
      const char tag = f[i++];
      std::size_t j = i;
      while (j < f.size() && f[j] >= '0' && f[j] <= '9') ++j;
      const std::string_view digits = f.substr(i, j - i);
      i = j;
      if (tag == 'x') {
        s.samples_per_frame = integer(no, digits, "samples per frame");
      } else if (tag == ':') {
        s.skew = integer(no, digits, "skew");
      } else if (tag == '+') {
        s.byte_offset = integer(no, digits, "byte offset");
      } else {
        bad(no, fmt::format("cannot read the format field '{}'", f));
      }
    }
    static const int kKnown[] = {0, 8, 16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524};
    bool known = false;
    for (int k : kKnown) known = known || format == k;
    if (!known) bad(no, fmt::format("unknown WFDB format {}", format));
    if (!wfdb_format_supported(static_cast<int>(format)))
      fail(ErrorCode::Unsupported, path_,
           fmt::format("line {}: WFDB format {} is not supported (supported: 8, 16, 24, 32, 61, 80, "
                       "160, 212, 310, 311)",
                       no, format));
    s.format = static_cast<int>(format);
    if (s.samples_per_frame < 1)
      bad(no, fmt::format("samples per frame {} must be at least 1", s.samples_per_frame));
    if (s.samples_per_frame != 1)
      fail(ErrorCode::Unsupported, path_,
           fmt::format("line {}: {} samples per frame (multi-frequency records) are not supported", no,
                       s.samples_per_frame));
    if (s.skew > 1000000000LL) bad(no, fmt::format("skew {} is too large", s.skew));
  }

  void gain_field(std::size_t no, std::string_view f, WfdbSignal &s, bool &baseline_given) const {
    const std::size_t cut = f.find_first_of("(/");
    const double gain = number(no, f.substr(0, cut), "ADC gain");
    s.gain = gain == 0.0 ? 200.0 : gain;
    if (cut == std::string_view::npos) return;
    std::string_view rest = f.substr(cut);
    if (rest.front() == '(') {
      const std::size_t close = rest.find(')');
      if (close == std::string_view::npos) bad(no, fmt::format("unclosed baseline in '{}'", f));
      s.baseline = number(no, rest.substr(1, close - 1), "baseline");
      baseline_given = true;
      rest.remove_prefix(close + 1);
    }
    if (!rest.empty()) {
      if (rest.front() != '/' || rest.size() < 2) bad(no, fmt::format("cannot read the gain field '{}'", f));
      s.units = std::string(rest.substr(1));
    }
  }

  WfdbSignal signal_line(std::size_t no, std::string_view line) const {
    const auto t = tokenize(line, 9);
    if (t.size() < 2) bad(no, "a signal line needs at least a file name and a format");
    WfdbSignal s;
    s.file = std::string(t[0].text);
    format_field(no, t[1].text, s);
    bool baseline_given = false;
    if (t.size() > 2) gain_field(no, t[2].text, s, baseline_given);
    if (t.size() > 3) {
      s.adc_resolution = integer(no, t[3].text, "ADC resolution");
      if (s.adc_resolution < 0 || s.adc_resolution > 64)
        bad(no, fmt::format("ADC resolution {} is outside 0..64", s.adc_resolution));
    }
    if (t.size() > 4) s.adc_zero = integer(no, t[4].text, "ADC zero");
    if (t.size() > 5) s.initial_value = integer(no, t[5].text, "initial value");
    if (t.size() > 6) s.checksum = integer(no, t[6].text, "checksum");
    if (t.size() > 7) s.block_size = integer(no, t[7].text, "block size");
    if (t.size() > 8) s.description = std::string(trim(line.substr(t[7].end)));
    if (!baseline_given) s.baseline = static_cast<double>(s.adc_zero);
    return s;
  }

 private:
  const std::filesystem::path &path_;
};

}  // namespace

WfdbHeader parse_wfdb_header(const std::string &text, const std::filesystem::path &path) {
  HeaderParser p(path);
  WfdbHeader h;
  long long nsig = -1;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string_view line = trim(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    if (line.find('\0') != std::string_view::npos) p.bad(line_no, "contains a NUL byte (not a text file?)");
    if (nsig < 0) {
      nsig = p.record_line(line_no, line, h);
      h.signals.reserve(static_cast<std::size_t>(nsig));
    } else if (static_cast<long long>(h.signals.size()) < nsig) {
      h.signals.push_back(p.signal_line(line_no, line));
    }
    // Further non-comment lines are ignored, as the WFDB library does.
  }
  if (nsig < 0) fail(ErrorCode::Format, path, "malformed WFDB header: no record line");
  if (static_cast<long long>(h.signals.size()) < nsig)
    fail(ErrorCode::Format, path,
         fmt::format("malformed WFDB header: the record line declares {} signals but {} signal lines follow",
                     nsig, h.signals.size()));
  for (std::size_t i = 0; i < h.signals.size(); ++i)
    if (h.signals[i].description.empty()) h.signals[i].description = fmt::format("signal {}", i);
  return h;
}

}  // namespace io_detail
}  // namespace v1
}  // namespace ecgdig
